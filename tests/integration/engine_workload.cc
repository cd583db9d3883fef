#include "tests/integration/engine_workload.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

namespace tandem::testing {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr int k_key_space = 257;  // prime: keys spread evenly over any partition count
const std::string k_padding(80, 'x');
constexpr std::string_view k_origin_header = "tandem-origin";

rd_kafka_t* make_client(rd_kafka_type_t type, const std::string& bootstrap,
                        const std::vector<std::pair<std::string, std::string>>& extra,
                        rd_kafka_conf_t* conf = nullptr) {
  char err[512];
  if (!conf) conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      ADD_FAILURE() << "conf " << k << ": " << err;
  };
  set("bootstrap.servers", bootstrap);
  for (const auto& [k, v] : extra) set(k, v);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) ADD_FAILURE() << "rd_kafka_new: " << err;
  return rk;
}

}  // namespace

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

record workload::make(int64_t seq) const {
  record r;
  int key_index = static_cast<int>(seq % k_key_space);
  bool grown = grown_at_seq >= 0 && seq >= grown_at_seq;
  r.partition = key_index % (grown ? partitions_after : partitions);
  r.key = "k" + std::to_string(key_index);
  r.value = region + "-" + std::to_string(seq) + "|" + k_padding;
  r.timestamp_ms = base_timestamp_ms + seq;
  r.headers.push_back({"it-trace", region + "/" + std::to_string(seq)});
  return r;
}

std::optional<std::pair<std::string, int64_t>> workload_id(const record& r) {
  if (!r.value) return std::nullopt;
  const std::string& v = *r.value;
  auto bar = v.find('|');
  if (bar == std::string::npos) return std::nullopt;
  auto dash = v.rfind('-', bar);
  if (dash == std::string::npos || dash == 0 || dash + 1 >= bar) return std::nullopt;
  int64_t seq = 0;
  for (size_t i = dash + 1; i < bar; ++i) {
    if (v[i] < '0' || v[i] > '9') return std::nullopt;
    seq = seq * 10 + (v[i] - '0');
  }
  return std::pair(v.substr(0, dash), seq);
}

// ---- paced_producer ----------------------------------------------------------------------------

paced_producer::paced_producer(std::string bootstrap, std::string topic, workload w,
                               int64_t count, double per_second, int64_t first)
    : bootstrap_(std::move(bootstrap)),
      topic_(std::move(topic)),
      w_(std::move(w)),
      first_(first),
      count_(count),
      per_second_(per_second) {
  thread_ = std::thread([this] { run(); });
}

paced_producer::~paced_producer() { wait(); }

std::string paced_producer::wait() {
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return error_;
}

void paced_producer::run() {
  auto fail = [&](const std::string& e) {
    std::lock_guard lock(mu_);
    if (error_.empty()) error_ = e;
  };
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<paced_producer*>(opaque);
    if (!m->err) {
      ++self->acked_;
    } else {
      std::lock_guard lock(self->mu_);
      if (self->error_.empty()) self->error_ = std::string("delivery: ") + rd_kafka_err2str(m->err);
    }
  });
  rd_kafka_t* rk = make_client(RD_KAFKA_PRODUCER, bootstrap_,
                               {{"enable.idempotence", "true"},
                                {"acks", "all"},
                                {"linger.ms", "5"},
                                {"client.id", "it-producer-" + w_.region}},
                               conf);
  if (!rk) {
    fail("cannot create producer");
    finished_ = true;
    return;
  }
  auto start = steady::now();
  for (int64_t i = 0; i < count_; ++i) {
    if (per_second_ > 0) {
      auto due = start + std::chrono::microseconds(static_cast<int64_t>(i * 1e6 / per_second_));
      while (steady::now() < due) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due - steady::now());
        rd_kafka_poll(rk, static_cast<int>(std::max<int64_t>(1, ms.count())));
      }
    }
    record r = w_.make(first_ + i);
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(r.headers.size());
    for (const auto& h : r.headers)
      rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()),
                          h.value ? h.value->data() : nullptr,
                          h.value ? static_cast<ssize_t>(h.value->size()) : 0);
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(r.partition),
                RD_KAFKA_V_KEY(r.key->data(), r.key->size()),
                RD_KAFKA_V_VALUE(r.value->data(), r.value->size()),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 20);
    if (e) {
      rd_kafka_headers_destroy(hdrs);
      fail(std::string("producev: ") + rd_kafka_err2str(e));
      break;
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 60000);
  duration_ = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
  rd_kafka_destroy(rk);
  if (acked_ != count_)
    fail("only " + std::to_string(acked_.load()) + " of " + std::to_string(count_) +
         " records acknowledged");
  finished_ = true;
}

// ---- offsets_probe -----------------------------------------------------------------------------

offsets_probe::offsets_probe(const std::string& bootstrap)
    : rk_(make_client(RD_KAFKA_PRODUCER, bootstrap, {{"client.id", "it-probe"}})) {}

offsets_probe::~offsets_probe() {
  if (rk_) rd_kafka_destroy(rk_);
}

int offsets_probe::partitions(const std::string& topic) {
  if (!rk_) return -1;
  const rd_kafka_metadata_t* md = nullptr;
  int n = -1;
  // All topics (not one topic handle): asking for one unknown topic may auto-create it.
  if (rd_kafka_metadata(rk_, 1, nullptr, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& tm = md->topics[i];
    if (topic != tm.topic) continue;
    bool all_led = tm.err == RD_KAFKA_RESP_ERR_NO_ERROR && tm.partition_cnt > 0;
    for (int p = 0; p < tm.partition_cnt; ++p) all_led = all_led && tm.partitions[p].leader >= 0;
    if (all_led) n = tm.partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  return n;
}

std::vector<int64_t> offsets_probe::high_watermarks(const std::string& topic) {
  int n = partitions(topic);
  if (n <= 0) return {};
  std::vector<int64_t> out;
  for (int p = 0; p < n; ++p) {
    int64_t lo = -1, hi = -1;
    if (rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p, &lo, &hi, 5000)) return {};
    out.push_back(hi);
  }
  return out;
}

int64_t offsets_probe::records(const std::string& topic) {
  auto hw = high_watermarks(topic);
  if (hw.empty()) return -1;
  int64_t sum = 0;
  for (auto h : hw) sum += h;
  return sum;
}

std::vector<std::string> offsets_probe::topics() {
  std::vector<std::string> out;
  const rd_kafka_metadata_t* md = nullptr;
  if (!rk_ || rd_kafka_metadata(rk_, 1, nullptr, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return out;
  for (int i = 0; i < md->topic_cnt; ++i) out.push_back(md->topics[i].topic);
  rd_kafka_metadata_destroy(md);
  return out;
}

std::string create_partitions(const std::string& bootstrap, const std::string& topic,
                              int total) {
  rd_kafka_t* rk = make_client(RD_KAFKA_PRODUCER, bootstrap, {});
  if (!rk) return "no client";
  char err[512];
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(topic.c_str(), total, err, sizeof err);
  if (!np) {
    rd_kafka_destroy(rk);
    return err;
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreatePartitions(rk, &np, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  std::string error = ev ? "" : "CreatePartitions timed out";
  if (ev) {
    if (rd_kafka_event_error(ev)) error = rd_kafka_event_error_string(ev);
    size_t n = 0;
    const auto* res =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
    for (size_t i = 0; i < n; ++i)
      if (rd_kafka_topic_result_error(res[i])) error = rd_kafka_topic_result_error_string(res[i]);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewPartitions_destroy(np);
  rd_kafka_destroy(rk);
  if (!error.empty()) return error;
  offsets_probe probe(bootstrap);
  if (!wait_until([&] { return probe.partitions(topic) == total; }, 30s, 100ms))
    return "topic " + topic + " does not show " + std::to_string(total) + " led partitions";
  return "";
}

// ---- verification ------------------------------------------------------------------------------

int64_t topic_report::duplicates() const {
  int64_t n = 0;
  for (const auto& [o, t] : origins) n += t.duplicates;
  return n;
}
int64_t topic_report::missing() const {
  int64_t n = 0;
  for (const auto& [o, t] : origins) n += t.missing;
  return n;
}
int64_t topic_report::out_of_order() const {
  int64_t n = 0;
  for (const auto& [o, t] : origins) n += t.out_of_order;
  return n;
}
int64_t topic_report::mismatched() const {
  int64_t n = 0;
  for (const auto& [o, t] : origins) n += t.mismatched;
  return n;
}

std::string topic_report::summary() const {
  std::ostringstream s;
  s << total << " records";
  for (const auto& [o, t] : origins)
    s << "; origin " << o << ": " << t.records << " read, " << t.distinct << " distinct, "
      << t.duplicates << " duplicates, " << t.missing << " missing, " << t.out_of_order
      << " out of order, " << t.mismatched << " mismatched";
  if (unexpected) s << "; " << unexpected << " unexpected";
  return s.str();
}

namespace {

std::string show(const record& r) {
  std::ostringstream s;
  s << "p" << r.partition << "@" << r.offset << " key=" << r.key.value_or("<null>")
    << " value=" << r.value.value_or("<null>").substr(0, 40) << " ts=" << r.timestamp_ms
    << " headers=[";
  for (size_t i = 0; i < r.headers.size(); ++i)
    s << (i ? ", " : "") << r.headers[i].key << "=" << r.headers[i].value.value_or("<null>");
  s << "]";
  return s.str();
}

}  // namespace

topic_report analyze(const std::vector<record>& records, const analysis_context& ctx) {
  topic_report rep;
  auto problem = [&](const std::string& p) {
    if (rep.problems.size() < 20) rep.problems.push_back(p);
  };
  std::map<std::string, std::vector<uint8_t>> seen;
  std::map<std::pair<std::string, int32_t>, int64_t> last_first_seq;
  for (const auto& [o, n] : ctx.expected) {
    seen[o].assign(static_cast<size_t>(n), 0);
    rep.origins[o];
  }
  for (const auto& r : records) {
    ++rep.total;
    auto id = workload_id(r);
    auto w = id ? ctx.workloads.find(id->first) : ctx.workloads.end();
    auto s = id ? seen.find(id->first) : seen.end();
    if (!id || w == ctx.workloads.end() || s == seen.end() || id->second < 0 ||
        id->second >= static_cast<int64_t>(s->second.size())) {
      ++rep.unexpected;
      problem("unexpected record " + show(r));
      continue;
    }
    const auto& [origin, seq] = *id;
    origin_tally& t = rep.origins[origin];
    ++t.records;
    if (s->second[seq]++) {
      ++t.duplicates;
    } else {
      ++t.distinct;
      auto [it, fresh] = last_first_seq.try_emplace({origin, r.partition}, seq);
      if (!fresh) {
        if (seq < it->second) {
          ++t.out_of_order;
          problem("out of order: " + origin + " seq " + std::to_string(seq) + " after seq " +
                  std::to_string(it->second) + " in " + show(r));
        }
        it->second = std::max(it->second, seq);
      }
    }

    record want = w->second.make(seq);
    bool ok = r.partition == want.partition && r.key == want.key && r.value == want.value &&
              r.timestamp_ms == want.timestamp_ms;
    if (origin == ctx.region) {
      ok = ok && r.headers == want.headers;
    } else {
      ok = ok && r.headers.size() == want.headers.size() + 1 &&
           std::equal(want.headers.begin(), want.headers.end(), r.headers.begin());
      if (ok) {
        const header& h = r.headers.back();
        std::string prefix = "v1;o=" + origin + ";s=" + origin + "/" + ctx.source_topic + "/" +
                             std::to_string(r.partition) + "/";
        std::string suffix =
            ";d=" + ctx.region + "/" + ctx.topic + "/" + std::to_string(r.partition);
        ok = h.key == k_origin_header && h.value && h.value->starts_with(prefix) &&
             h.value->ends_with(suffix);
        if (ok) {
          auto offs = ctx.origin_offsets.find(origin);
          if (offs != ctx.origin_offsets.end()) {
            auto at = offs->second.find(seq);
            std::string off = h.value->substr(prefix.size(),
                                              h.value->size() - prefix.size() - suffix.size());
            ok = at != offs->second.end() && off == std::to_string(at->second);
          }
        }
      }
    }
    if (!ok) {
      ++t.mismatched;
      problem("mismatch: read " + show(r) + "; original " + show(want));
    }
  }
  for (auto& [o, t] : rep.origins) {
    auto s = seen.find(o);
    if (s == seen.end()) continue;
    for (size_t seq = 0; seq < s->second.size(); ++seq) {
      if (s->second[seq]) continue;
      if (t.missing++ < 5) problem("missing: " + o + " seq " + std::to_string(seq));
    }
  }
  return rep;
}

std::map<int64_t, int64_t> local_offsets(const std::vector<record>& records,
                                         const std::string& region) {
  std::map<int64_t, int64_t> out;
  for (const auto& r : records) {
    auto id = workload_id(r);
    if (id && id->first == region) out.emplace(id->second, r.offset);
  }
  return out;
}

}  // namespace tandem::testing
