#include "engine/obs/metrics.h"

#include <prometheus/text_serializer.h>

namespace tandem::engine {

namespace {
constexpr family_spec k_build_info{
    "tandem_build_info", "Always 1; the version label identifies the running tandem build."};
}  // namespace

prometheus::Labels flow_labels(std::string_view source, std::string_view target,
                               std::string_view key, std::string_view value) {
  prometheus::Labels l{{"source", std::string(source)}, {"target", std::string(target)}};
  if (!key.empty()) l.emplace(key, value);
  return l;
}

metrics::metrics(std::string_view version) : registry_(std::make_shared<prometheus::Registry>()) {
  gauge(k_build_info).Add({{"version", std::string(version)}}).Set(1);
}

template <typename T, typename Builder>
prometheus::Family<T>& metrics::family(std::map<std::string, prometheus::Family<T>*>& known,
                                       const family_spec& spec, Builder build) {
  std::lock_guard lock(families_mu_);
  auto*& f = known[spec.name];
  if (f == nullptr) f = &build().Name(spec.name).Help(spec.help).Register(*registry_);
  return *f;
}

prometheus::Family<prometheus::Counter>& metrics::counter(const family_spec& spec) {
  return family(counters_, spec, prometheus::BuildCounter);
}

prometheus::Family<prometheus::Gauge>& metrics::gauge(const family_spec& spec) {
  return family(gauges_, spec, prometheus::BuildGauge);
}

prometheus::Family<prometheus::Histogram>& metrics::histogram(const family_spec& spec) {
  return family(histograms_, spec, prometheus::BuildHistogram);
}

std::string metrics::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace tandem::engine
