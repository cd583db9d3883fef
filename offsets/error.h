// Errors of the offsets library. No exception crosses its API: fallible calls return
// std::expected<T, error>, whose message names the problem and, for the store, the path.
#pragma once

#include <string>
#include <string_view>

namespace tandem::offsets {

enum class errc {
  invalid_argument,       // a caller broke a documented precondition (bad run, empty name, ...)
  out_of_order,           // a delivery report that does not follow the previous one
  destination_conflict,   // two different source records claim one target offset
  not_a_store,            // the directory is not a tandem offset store
  version_mismatch,       // an offset store of another format version
  corruption,             // RocksDB or a record of ours is damaged
  io_error,               // RocksDB could not read or write (includes "locked by another process")
  read_only,              // a write on a store opened read-only or as a secondary
};

// Short name of the code: "destination_conflict".
std::string_view to_string(errc code);

struct error {
  errc code;
  std::string message;  // complete sentence for an operator: what, where, what to do
};

}  // namespace tandem::offsets
