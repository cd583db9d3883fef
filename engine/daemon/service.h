// The one shape of every thread of the daemon (docs/design.md "Folders": daemon/ owns the
// threads; flow/, state/ and groups/ only offer stop-aware entry points):
//
//   service("west->east", body)  ──std::jthread──>  body(service_context& ctx)
//        request_stop() ──stop_token──> ctx.stop_requested(), ctx.cancel() (for librdkafka
//                                       clients) and every ctx.wait_for() wake at once
//        ctx.set_ready / ctx.fail ──> state(), problem(): what /readyz shows (service_group)
//
// No sleep loops: a service waits with ctx.wait_for(d) (std::condition_variable_any on the
// stop token), which returns false as soon as a stop is requested. A service restarted after
// failures waits restart_backoff::next(), which resets after a healthy period.
//
// Thread safety: state(), problem(), request_stop() from any thread; the context from the
// service's own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace tandem::engine {

// Waits for a time, waking at once when the stop token is triggered.
class stop_waiter {
 public:
  // Waits up to `d`. False when a stop was requested (before or during the wait).
  bool wait_for(const std::stop_token& stop, std::chrono::milliseconds d);

 private:
  std::mutex mu_;
  std::condition_variable_any cv_;
};

// Restart delay of a failing service: `initial`, doubling up to `max`; back to `initial` when
// the last run lasted at least `healthy_after` (a flow that ran for a minute restarts at 1 s).
class restart_backoff {
 public:
  explicit restart_backoff(std::chrono::milliseconds initial = std::chrono::seconds(1),
                           std::chrono::milliseconds max = std::chrono::seconds(30),
                           std::chrono::milliseconds healthy_after = std::chrono::seconds(60));
  // The delay before the next start, after a run that lasted `ran_for`.
  std::chrono::milliseconds next(std::chrono::steady_clock::duration ran_for);

 private:
  std::chrono::milliseconds initial_, max_, healthy_after_, current_;
};

enum class service_state { starting, ready, failed };

class service;

// What a service's body gets from its thread.
class service_context {
 public:
  bool stop_requested() const { return stop_.stop_requested(); }
  const std::stop_token& stop_token() const { return stop_; }
  // True once a stop is requested: the cancel flag of librdkafka clients (kafka/rdkafka).
  const std::atomic<bool>& cancel() const;
  // Waits up to `d`; false (at once) when a stop is requested.
  bool wait_for(std::chrono::milliseconds d);
  // Ready or not; `problem` is what /readyz shows while not ready ("" = "starting").
  void set_ready(bool ready, std::string problem = {});
  // The service cannot run (bad client config, bad regex): /readyz shows `problem` for good.
  void fail(std::string problem);

 private:
  friend class service;
  service_context(service& owner, std::stop_token stop) : owner_(owner), stop_(std::move(stop)) {}
  service& owner_;
  std::stop_token stop_;
};

class service {
 public:
  using body = std::function<void(service_context&)>;
  // Starts `fn` on a thread of its own. `ready` is the state before the body says otherwise.
  service(std::string name, body fn, bool ready = false);
  ~service();  // request_stop(), join()
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  const std::string& name() const { return name_; }
  void request_stop();
  void join();
  bool finished() const { return finished_; }
  service_state state() const;
  std::string problem() const;

 private:
  friend class service_context;
  void set(service_state st, std::string problem);

  const std::string name_;
  body body_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  stop_waiter waiter_;
  mutable std::mutex mu_;
  service_state state_;
  std::string problem_;
  std::jthread thread_;  // last: joined before the members above go
};

// The services of a process and what /readyz makes of them.
class service_group {
 public:
  // Starts a service (see service::service); /readyz waits for it to be ready.
  service& start(std::string name, service::body fn, bool ready = false);
  // True when every service is ready (one that finished without failing counts as ready).
  bool ready() const;
  // "name: problem" of the first service not ready ("name: starting" without a problem).
  std::string not_ready_reason() const;
  // Asks every service to stop (no wait).
  void request_stop();
  void join();

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<service>> services_;
};

}  // namespace tandem::engine
