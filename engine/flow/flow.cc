#include "engine/flow/flow.h"

#include <algorithm>

#include "engine/obs/log.h"
#include "loopguard/decision.h"

namespace tandem::engine {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

flow::flow(flow_settings settings, std::unique_ptr<record_source> source, flow_journal& journal,
           flow_metrics& metrics)
    : s_(std::move(settings)),
      name_(s_.source_region + "->" + s_.target_region),
      source_(std::move(source)),
      journal_(journal),
      metrics_(metrics),
      latency_counts_(latency_buckets_seconds.size() + 1, 0.0) {
  header_buf_.reserve(loopguard::max_header_length);
}

flow::~flow() {
  if (pending_refresh_.valid()) pending_refresh_.wait();  // it uses source_ and sink_
  release_leftovers();
  // The sink hands its outstanding source messages back through on_delivery (as purged)
  // while this flow's state still exists; then the source may go.
  sink_.reset();
  source_.reset();
}

std::expected<void, std::string> flow::start(const sink_factory& make_sink) {
  auto sink = make_sink([this](const record_ref& src, int64_t dst, const kafka_error* err) {
    on_delivery(src, dst, err);
  });
  if (!sink) return std::unexpected(sink.error());
  sink_ = std::move(*sink);
  return {};
}

void flow::set_problem(const std::string& p) {
  std::lock_guard lock(status_mu_);
  status_.problem = p;
}

flow_status flow::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

void flow::step(milliseconds idle_wait) {
  if (stopped_) return;
  refresh_topics(clock_type::now());

  if (batch_pos_ >= batch_.size()) {
    batch_.clear();
    batch_pos_ = 0;
    handle_out_of_range();  // after the records of the previous batch, before new ones
    source_->poll(batch_, s_.batch_size, sink_->outstanding() > 0 ? milliseconds(5) : idle_wait);
  }
  while (batch_pos_ < batch_.size() && handle(batch_[batch_pos_])) ++batch_pos_;
  serve_reports(milliseconds(0));
  publish_metrics();
  copy_lost_targets();

  if (auto fatal = sink_->fatal_error()) {
    log::error(name_) << "producer failed fatally, restarting the flow: " << fatal->message;
    set_problem("producer fatal error: " + fatal->message);
    needs_restart_ = true;
  }
  if (clock_type::now() >= next_commit_) commit();
}

flow::partition_state* flow::find(std::string_view topic, int32_t partition) {
  if (last_state_ && partition == last_partition_ && topic == last_topic_) return last_state_;
  auto it = topics_.find(topic);
  if (it == topics_.end() || partition < 0 ||
      static_cast<size_t>(partition) >= it->second.parts.size())
    return nullptr;
  last_topic_ = it->first;
  last_partition_ = partition;
  last_state_ = &it->second.parts[partition];
  return last_state_;
}

// The source log must continue where the partition's position says. Anything else is an alarm,
// and the flow replicates what the log now holds rather than skipping it.
void flow::check_continuity(const record_ref& r, partition_state& p) {
  int64_t pos = p.next_expected;  // consumption order, not the delivered position
  bool first = p.from_log_start;
  p.from_log_start = false;
  p.next_expected = r.offset + 1;
  if (r.offset < pos) {
    metrics_.alarm(p.topic->info.source_topic, "source_truncated").Increment();
    log::error(name_) << "ALARM source partition went back topic=" << r.topic
                      << " partition=" << r.partition << " expected_offset>=" << pos
                      << " got=" << r.offset
                      << " (truncated or recreated); replicating it again from " << r.offset;
    p.progress.rewind(r.offset);
    p.echoes.reset();  // the echoes read before are gone with the old log
    return;
  }
  if (r.offset == pos || first) return;
  // A gap: compaction, transaction markers, or retention deleted records first.
  watermarks w = source_->partition_watermarks(std::string(r.topic), r.partition);
  if (w.low > pos) {
    metrics_.alarm(p.topic->info.source_topic, "retention_outran").Increment();
    log::error(name_) << "ALARM source retention deleted records before replication topic="
                      << r.topic << " partition=" << r.partition << " lost_offsets=" << pos
                      << ".." << w.low - 1;
  }
}

bool flow::handle(const record_ref& r) {
  partition_state* p = find(r.topic, r.partition);
  // Not assigned by us, or paused (its position stays before the problem): not forwarded,
  // not advanced.
  if (!p || p->topic->paused) {
    source_->release(r);
    return true;
  }
  check_continuity(r, *p);
  topic_entry& t = *p->topic;
  auto d = loopguard::decide({s_.source_region, s_.target_region}, r.topic, r.partition,
                             r.origin_header);
  if (d.what == loopguard::action::drop) {
    if (d.why == loopguard::reason::echo) {
      // A header is a claim: one that is not tandem's write makes the record local.
      auto c = judge_echo(r, *p, *d.header);
      if (!loopguard::believed(c)) return forward(r, *p, t);
      t.counters->drops_echo.Increment();
      if (c != loopguard::claim::unverified)
        journal_.echo(r.topic, r.partition, r.offset, d.header->source.topic,
                      d.header->source.offset);
    } else {
      t.counters->drops_third_party.Increment();
    }
    p->progress.dropped(r.offset);
    source_->release(r);
    return true;
  }
  if (d.why == loopguard::reason::local_malformed_header) {
    t.counters->malformed.Increment();
    if (!t.warned_malformed) {
      t.warned_malformed = true;
      log::warn(name_) << "malformed tandem-origin header replicated as a local record topic="
                       << t.info.source_topic << " partition=" << r.partition
                       << " offset=" << r.offset
                       << " problem=" << loopguard::to_string(*d.malformed)
                       << " (logged once per topic; counted in "
                          "tandem_malformed_origin_headers_total)";
    }
  }
  return forward(r, *p, t);
}

loopguard::claim flow::judge_echo(const record_ref& r, partition_state& p,
                                  const loopguard::origin& header) {
  topic_entry& t = *p.topic;
  // The target partition's end bounds the claim; asked again only when a claim reaches it
  // (at most once per such record: rare, as tandem's copies lag the records they copy).
  if (header.source.offset >= p.target_end) {
    auto w = sink_->partition_bounds(t.info.target_topic, r.partition, s_.admin_timeout);
    if (!w) return loopguard::claim::unverified;  // dropped as before, nothing learned
    p.target_end = std::max(p.target_end, w->high);
  }
  auto c = loopguard::judge_echo(p.echoes, header, r.topic, r.partition, r.timestamp_ms,
                                 p.target_end);
  if (loopguard::believed(c)) return c;
  using loopguard::claim;
  (c == claim::other_partition     ? t.counters->rejected_other_partition
   : c == claim::beyond_source_end ? t.counters->rejected_beyond_source_end
                                   : t.counters->rejected_reproduced)
      .Increment();
  if (!t.warned_rejected) {
    t.warned_rejected = true;
    log::warn(name_) << "echo header not believed, record replicated as local topic="
                     << t.info.source_topic << " partition=" << r.partition
                     << " offset=" << r.offset << " reason=" << loopguard::to_string(c)
                     << " claimed_offset=" << header.source.offset
                     << " (logged once per topic; counted in "
                        "tandem_rejected_origin_headers_total)";
  }
  return c;
}

bool flow::forward(const record_ref& r, partition_state& p, topic_entry& t) {
  loopguard::origin o;
  o.region = s_.source_region;
  o.source = {s_.source_region, r.topic, r.partition, r.offset};
  o.destination = {s_.target_region, t.info.target_topic, r.partition};
  if (!loopguard::encode(o, header_buf_)) {
    pause(t, "cannot encode origin header for topic " + t.info.target_topic);
    source_->release(r);
    return true;
  }
  // Backpressure (queue full) or a target partition the producer does not know yet (just
  // grown): serve reports once, retry once, else keep the record for the next step().
  auto later = [](const kafka_result<void>& sent) {
    if (sent) return false;
    const kafka_error& e = sent.error();
    return e.retriable() && (e.is(kafka_errc::queue_full) || e.is(kafka_errc::unknown_partition));
  };
  auto sent = sink_->forward(r, t.info.target_topic, r.partition, header_buf_);
  if (later(sent)) {
    serve_reports(milliseconds(50));
    sent = sink_->forward(r, t.info.target_topic, r.partition, header_buf_);
    if (later(sent)) {
      p.next_expected = r.offset;  // handled again at the next step: not a step back
      return false;
    }
  }
  if (!sent) {
    metrics_.produce_error(sent.error().name).Increment();
    pause(t, "cannot produce to " + t.info.target_topic + ": " + sent.error().message);
    source_->release(r);
    return true;
  }
  p.progress.in_flight(r.offset);
  return true;
}

void flow::on_delivery(const record_ref& src, int64_t dst_offset, const kafka_error* error) {
  partition_state* p = find(src.topic, src.partition);
  if (!p) return;
  if (error) {
    p->progress.failed(src.offset);
    if (error->is(kafka_errc::purge_queue) || error->is(kafka_errc::purge_inflight))
      return;  // shutdown
    metrics_.produce_error(error->name).Increment();
    if (!error->retriable()) {
      pause(*p->topic, "delivery to " + p->topic->info.target_topic + " failed: " +
                           error->message);
    } else {
      log::error(name_) << "delivery failed, restarting the flow from its last committed "
                           "position: " << error->message;
      needs_restart_ = true;
    }
    return;
  }
  if (!p->progress.delivered(src.offset)) return;  // a report from before a rewind
  if (dst_offset <= p->last_dst) {
    // The target partition was truncated or deleted and recreated: the journal logs it and
    // invalidates the stale part of the offset map (engine/state/offset_journal.cc).
    metrics_.alarm(p->topic->info.source_topic, "target_truncated").Increment();
    p->target_end = 0;  // echoes are judged against the new log's end
    if (p->target_went_back_to < 0) went_back_.push_back(p);
    p->target_went_back_to = p->target_went_back_to < 0 ? dst_offset
                                                        : std::min(p->target_went_back_to, dst_offset);
  }
  p->last_dst = dst_offset;
  p->delivered_since_probe = true;
  journal_.delivered(src.topic, src.partition, src.offset, dst_offset);
  topic_entry& t = *p->topic;
  if (t.unpublished_records++ == 0) unpublished_.push_back(&t);
  t.unpublished_bytes += src.bytes;
  if (report_clock_ms_ < 0) report_clock_ms_ = now_ms();
  double latency_s =
      static_cast<double>(std::max<int64_t>(0, report_clock_ms_ - src.timestamp_ms)) / 1000.0;
  // Prometheus buckets are "less or equal": the first bound >= the value.
  auto bucket = std::lower_bound(latency_buckets_seconds.begin(), latency_buckets_seconds.end(),
                                 latency_s) - latency_buckets_seconds.begin();
  latency_counts_[static_cast<size_t>(bucket)] += 1;
  latency_sum_s_ += latency_s;
  ++latency_observed_;
}

int flow::serve_reports(milliseconds timeout) {
  report_clock_ms_ = -1;  // read again by the first report this poll serves
  return sink_->poll(timeout);
}

void flow::publish_metrics() {
  for (topic_entry* t : unpublished_) {
    t->counters->records.Increment(static_cast<double>(t->unpublished_records));
    t->counters->bytes.Increment(static_cast<double>(t->unpublished_bytes));
    t->unpublished_records = 0;
    t->unpublished_bytes = 0;
  }
  unpublished_.clear();
  if (latency_observed_ == 0) return;
  metrics_.latency().ObserveMultiple(latency_counts_, latency_sum_s_);
  std::fill(latency_counts_.begin(), latency_counts_.end(), 0.0);
  latency_sum_s_ = 0;
  latency_observed_ = 0;
}

void flow::release_leftovers() {
  for (; batch_pos_ < batch_.size(); ++batch_pos_) source_->release(batch_[batch_pos_]);
  batch_.clear();
  batch_pos_ = 0;
}

void flow::pause(topic_entry& t, const std::string& why) {
  if (!t.paused) log::error(name_) << "topic paused topic=" << t.info.source_topic << ": " << why;
  t.paused = true;
  metrics_.topic_paused(t.info.source_topic).Set(1);
  set_problem(why);
}

void flow::commit() {
  next_commit_ = clock_type::now() + s_.commit_interval;
  std::vector<partition_position> changed;
  struct trim {
    partition_state* part;
    std::string_view topic;
    int64_t log_start;
  };
  std::vector<trim> trims;
  for (auto& [name, t] : topics_) {
    for (auto& p : t.parts) {
      int64_t pos = p.progress.position();
      watermarks w = source_->partition_watermarks(name, p.partition);
      if (w.high >= 0) metrics_.lag(name, p.partition).Set(static_cast<double>(std::max<int64_t>(0, w.high - pos)));
      if (pos != p.committed) changed.push_back({name, p.partition, pos});
      // The client's cached log start (from fetch responses; negative while unknown).
      if (w.low > p.trimmed_below) trims.push_back({&p, name, w.low});
    }
  }
  check_incarnations(changed);
  if (auto ok = journal_.commit(changed); !ok) {
    log::error(name_) << "cannot persist positions (retrying): " << ok.error();
    metrics_.commit_failures().Increment();
    std::lock_guard lock(status_mu_);
    if (!status_.commit_failing_since) status_.commit_failing_since = clock_type::now();
    status_.problem = "state store: cannot persist positions: " + ok.error();
    return;
  }
  {
    std::lock_guard lock(status_mu_);
    if (status_.commit_failing_since) status_.problem.clear();
    status_.commit_failing_since.reset();
  }
  for (auto& t : trims) {  // after the commit: its runs may lie below the log start too
    journal_.trim_below(t.topic, t.part->partition, t.log_start);
    t.part->trimmed_below = t.log_start;
  }
  for (const auto& c : changed) topics_.find(c.topic)->second.parts[c.partition].committed = c.offset;
  if (auto ok = source_->commit(changed); !ok)
    log::warn(name_) << "cannot commit positions to the source group: " << ok.error().message;
  else
    expect_witnesses(changed);
  keep_witnesses(clock_type::now());
}

void flow::stop(milliseconds drain) {
  if (stopped_ || !sink_) return;
  stopped_ = true;
  if (pending_refresh_.valid()) pending_refresh_.wait();
  release_leftovers();
  report_clock_ms_ = -1;
  int left = sink_->flush(drain);
  publish_metrics();
  if (left > 0) log::warn(name_) << left << " records still in flight at shutdown; they will be "
                                            "replicated again after restart";
  commit();
}

}  // namespace tandem::engine
