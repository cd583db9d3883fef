// JSON read by the integration tests (tandemctl's --json output, tandem's state records), with
// nlohmann::ordered_json: objects keep their fields in document order.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace tandem::testing {

using json = nlohmann::ordered_json;

// The JSON document of a command's `output` (stderr lines may be mixed in): the whole text when
// it is one document, else the first line that is. Null when there is none.
json json_document(const std::string& output);

// Every value named `name` anywhere in `doc` (nested objects and arrays), in document order.
std::vector<json> values_named(const json& doc, const std::string& name);

// The integers among values_named(json_document(output), name), in order (nulls and other
// types skipped).
std::vector<int64_t> numbers_of(const std::string& output, const std::string& name);

// `o[name]` when `o` is an object holding an integer there, else `otherwise`.
int64_t integer_of(const json& o, const std::string& name, int64_t otherwise = -1);
// `o[name]` when `o` is an object holding a string there, else "".
std::string text_of(const json& o, const std::string& name);

// (src_start, dst_start, length) of every run in the output of `tandemctl offsets dump --json`.
std::vector<std::tuple<int64_t, int64_t, int64_t>> runs_of(const std::string& output);

// Whether some object in the JSON document of `output` (nested ones included) has every field
// of `fields` with an equal value, e.g. {{"committed", 0}, {"kept", 2}}.
bool has_fields(const std::string& output, const json& fields);

}  // namespace tandem::testing
