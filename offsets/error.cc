#include "offsets/error.h"

namespace tandem::offsets {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::out_of_order: return "out_of_order";
    case errc::destination_conflict: return "destination_conflict";
    case errc::not_a_store: return "not_a_store";
    case errc::version_mismatch: return "version_mismatch";
    case errc::corruption: return "corruption";
    case errc::io_error: return "io_error";
    case errc::read_only: return "read_only";
  }
  return "(unknown error code)";
}

}  // namespace tandem::offsets
