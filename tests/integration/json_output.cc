#include "tests/integration/json_output.h"

#include <functional>
#include <sstream>

namespace tandem::testing {
namespace {

// Calls `visit` on `doc` and on every value nested in it, in document order.
void walk(const json& doc, const std::function<void(const json&)>& visit) {
  visit(doc);
  if (doc.is_structured())
    for (const auto& item : doc) walk(item, visit);
}

}  // namespace

json json_document(const std::string& output) {
  json doc = json::parse(output, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded()) return doc;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_of("{[") == std::string::npos) continue;
    doc = json::parse(line, nullptr, false);
    if (!doc.is_discarded() && doc.is_structured()) return doc;
  }
  return nullptr;
}

std::vector<json> values_named(const json& doc, const std::string& name) {
  std::vector<json> out;
  walk(doc, [&](const json& v) {
    if (v.is_object() && v.contains(name)) out.push_back(v[name]);
  });
  return out;
}

std::vector<int64_t> numbers_of(const std::string& output, const std::string& name) {
  std::vector<int64_t> out;
  for (const auto& v : values_named(json_document(output), name))
    if (v.is_number_integer()) out.push_back(v.get<int64_t>());
  return out;
}

int64_t integer_of(const json& o, const std::string& name, int64_t otherwise) {
  if (!o.is_object() || !o.contains(name) || !o[name].is_number_integer()) return otherwise;
  return o[name].get<int64_t>();
}

std::string text_of(const json& o, const std::string& name) {
  if (!o.is_object() || !o.contains(name) || !o[name].is_string()) return "";
  return o[name].get<std::string>();
}

std::vector<std::tuple<int64_t, int64_t, int64_t>> runs_of(const std::string& output) {
  std::vector<std::tuple<int64_t, int64_t, int64_t>> out;
  for (const auto& runs : values_named(json_document(output), "runs"))
    for (const auto& r : runs)
      if (integer_of(r, "src_start") >= 0 && integer_of(r, "dst_start") >= 0 &&
          integer_of(r, "length") >= 0)
        out.emplace_back(integer_of(r, "src_start"), integer_of(r, "dst_start"),
                         integer_of(r, "length"));
  return out;
}

bool has_fields(const std::string& output, const json& fields) {
  bool found = false;
  walk(json_document(output), [&](const json& v) {
    if (!v.is_object() || found) return;
    bool all = true;
    for (const auto& [k, want] : fields.items()) all = all && v.contains(k) && v[k] == want;
    found = all;
  });
  return found;
}

}  // namespace tandem::testing
