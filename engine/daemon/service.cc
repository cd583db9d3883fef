#include "engine/daemon/service.h"

#include <algorithm>

namespace tandem::engine {

using std::chrono::milliseconds;

bool stop_waiter::wait_for(const std::stop_token& stop, milliseconds d) {
  std::unique_lock lock(mu_);
  // Nothing but a stop ends the wait early: the predicate is only ever false.
  cv_.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

restart_backoff::restart_backoff(milliseconds initial, milliseconds max, milliseconds healthy_after)
    : initial_(initial), max_(max), healthy_after_(healthy_after), current_(initial) {}

milliseconds restart_backoff::next(std::chrono::steady_clock::duration ran_for) {
  if (ran_for >= healthy_after_) current_ = initial_;
  milliseconds delay = current_;
  current_ = std::min(current_ * 2, max_);
  return delay;
}

const std::atomic<bool>& service_context::cancel() const { return owner_.cancel_; }

bool service_context::wait_for(milliseconds d) { return owner_.waiter_.wait_for(stop_, d); }

void service_context::set_ready(bool ready, std::string problem) {
  owner_.set(ready ? service_state::ready : service_state::starting, std::move(problem));
}

void service_context::fail(std::string problem) {
  owner_.set(service_state::failed, std::move(problem));
}

service::service(std::string name, body fn, bool ready)
    : name_(std::move(name)),
      body_(std::move(fn)),
      state_(ready ? service_state::ready : service_state::starting) {
  thread_ = std::jthread([this](std::stop_token stop) {
    std::stop_callback on_stop(stop, [this] { cancel_ = true; });
    service_context ctx(*this, stop);
    body_(ctx);
    finished_ = true;
  });
}

service::~service() { join(); }

void service::request_stop() { thread_.request_stop(); }

void service::join() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

service_state service::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::string service::problem() const {
  std::lock_guard lock(mu_);
  return problem_;
}

void service::set(service_state st, std::string problem) {
  std::lock_guard lock(mu_);
  if (state_ == service_state::failed) return;  // for good
  state_ = st;
  problem_ = std::move(problem);
}

service& service_group::start(std::string name, service::body fn, bool ready) {
  auto s = std::make_unique<service>(std::move(name), std::move(fn), ready);
  std::lock_guard lock(mu_);
  services_.push_back(std::move(s));
  return *services_.back();
}

namespace {
bool is_ready(const service& s) {
  auto st = s.state();
  return st == service_state::ready || (st == service_state::starting && s.finished());
}
}  // namespace

bool service_group::ready() const {
  std::lock_guard lock(mu_);
  return std::all_of(services_.begin(), services_.end(),
                     [](const auto& s) { return is_ready(*s); });
}

std::string service_group::not_ready_reason() const {
  std::lock_guard lock(mu_);
  for (const auto& s : services_) {
    if (is_ready(*s)) continue;
    std::string p = s->problem();
    return s->name() + ": " + (p.empty() ? std::string("starting") : p);
  }
  return "ready";
}

void service_group::request_stop() {
  std::lock_guard lock(mu_);
  for (auto& s : services_) s->request_stop();
}

void service_group::join() {
  std::vector<service*> all;
  {
    std::lock_guard lock(mu_);
    for (auto& s : services_) all.push_back(s.get());
  }
  for (auto* s : all) s->join();
}

}  // namespace tandem::engine
