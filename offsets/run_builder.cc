#include "offsets/run_builder.h"

#include <string>
#include <utility>

namespace tandem::offsets {

std::expected<void, error> run_builder::add(source_offset src, target_offset dst) {
  if (src.v < 0 || dst.v < 0 || src.v >= max_offset || dst.v >= max_offset) {
    return std::unexpected(error{errc::invalid_argument,
        "delivery report with an invalid offset: source " + std::to_string(src.v) +
        ", target " + std::to_string(dst.v)});
  }
  if ((last_src_ && src <= *last_src_) || (last_dst_ && dst <= *last_dst_)) {
    return std::unexpected(error{errc::out_of_order,
        "delivery report source " + std::to_string(src.v) + " -> target " +
        std::to_string(dst.v) + " does not follow source " + std::to_string(last_src_->v) +
        " -> target " + std::to_string(last_dst_->v)});
  }
  last_src_ = src;
  last_dst_ = dst;
  if (open_ && open_->src_end() == src && open_->dst_end() == dst) {
    ++open_->length;
    return {};
  }
  if (open_) done_.push_back(*open_);
  open_ = run{src, dst, 1};
  return {};
}

std::vector<run> run_builder::take() {
  if (open_) done_.push_back(*open_);
  open_.reset();
  return std::exchange(done_, {});
}

}  // namespace tandem::offsets
