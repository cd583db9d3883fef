// bench_kafka: the Kafka-side tools of bench/replication-bench (librdkafka C API).
//
//   bench_kafka preload --bootstrap B --topic T [--partitions 6] --records N [--size 1024]
//   bench_kafka produce --bootstrap B --topic T [--partitions 6] --records N [--size 1024]
//   bench_kafka consume --bootstrap B --topic T --records N
//   bench_kafka latency --bootstrap-src A --bootstrap-dst B --topic-src T --topic-dst T2
//                       --rate R --seconds S [--warmup 3] [--size 1024]
//   bench_kafka count   --bootstrap B --topic T
//   bench_kafka watch   --bootstrap B --topic T --records N --pid PID [--timeout 600]
//   bench_kafka verify  --bootstrap B --topic T --records N [--partitions 6]
//   bench_kafka create  --bootstrap B --topic T [--partitions 6]
// Every client subcommand takes `-X key=value` (repeatable) for extra librdkafka properties.
// Results are one JSON object on stdout; progress and errors go to stderr. Exit 0 ok, 1 failure
// (e.g. not all records arrived), 2 usage.
//
// Record layout (every subcommand that writes): value of --size bytes (>= 16), bytes 0-7 the
// record's sequence number (little-endian, 0..N-1), bytes 8-15 its send time in microseconds
// since the epoch (latency only; the record timestamp is that same instant in ms), the rest a
// fixed pseudo-random filler. No key; record `seq` goes to partition seq % partitions. So
// `verify` can prove that every record arrived once, on its partition.
#include <CLI/CLI.hpp>
#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

// One result line on stdout: a JSON object, keys in the order given, numbers rounded to
// `decimals` places where asked (the figures BENCHMARKS.md quotes).
using json = nlohmann::ordered_json;
double rounded(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}
void print_result(const json& j) { std::printf("%s\n", j.dump().c_str()); }

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using settings = std::vector<std::pair<std::string, std::string>>;

// ---- settings shared with tandem --------------------------------------------------------------

// The producer settings of engine/kafka/rdkafka/sink.cc (make_rdkafka_sink), so that the produce-only
// limit and the latency producer are what tandem does. One deliberate difference:
// message.timeout.ms is bounded (tandem: 0 = retry forever) so a broken run fails instead of
// hanging; it never fires in a healthy run.
const settings tandem_producer = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
    {"linger.ms", "1"},
    {"batch.size", "1000000"},
    {"message.timeout.ms", "120000"},
    {"queue.buffering.max.messages", "100000"},
    {"queue.buffering.max.kbytes", "65536"},
};

// The consumer settings of engine/kafka/rdkafka/source.cc (make_rdkafka_source).
const settings tandem_consumer = {
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
    {"auto.offset.reset", "earliest"},
    {"isolation.level", "read_committed"},
    {"enable.partition.eof", "false"},
    {"fetch.wait.max.ms", "100"},
    {"queued.max.messages.kbytes", "65536"},
};
constexpr size_t tandem_batch = 2000;  // flow_settings::batch_size

// ---- arguments --------------------------------------------------------------------------------

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The options of one command after CLI11 parsed them (main() declares each command's options
// in k_commands): `--name VALUE` and `-X key=value` (repeatable). Read by name, with defaults.
class args {
 public:
  explicit args(const CLI::App& cmd) {
    for (const CLI::Option* o : cmd.get_options()) {
      if (o->count() == 0) continue;
      if (o->get_lnames().empty()) {  // -X
        for (const std::string& kv : o->results()) extra_.emplace_back(key_value(kv));
      } else if (o->results().back().empty()) {
        throw usage_error("bad argument --" + o->get_lnames().front());
      } else {
        kv_[o->get_lnames().front()] = o->results().back();
      }
    }
  }
  std::string str(const std::string& k) {
    auto it = kv_.find(k);
    if (it == kv_.end()) throw usage_error("missing --" + k);
    return it->second;
  }
  std::string str(const std::string& k, const std::string& dflt) {
    return kv_.count(k) ? str(k) : dflt;
  }
  int64_t num(const std::string& k) { return parse(k, str(k)); }
  int64_t num(const std::string& k, int64_t dflt) { return kv_.count(k) ? num(k) : dflt; }
  double real(const std::string& k, double dflt) {
    if (!kv_.count(k)) return dflt;
    std::string v = str(k);
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end) throw usage_error("--" + k + " takes a number, got " + v);
    return d;
  }
  const settings& extra() const { return extra_; }

 private:
  static std::pair<std::string, std::string> key_value(const std::string& kv) {
    if (kv.empty()) throw usage_error("-X needs key=value");
    auto eq = kv.find('=');
    if (eq == std::string::npos) throw usage_error("-X needs key=value, got " + kv);
    return {kv.substr(0, eq), kv.substr(eq + 1)};
  }
  static int64_t parse(const std::string& k, const std::string& v) {
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || n < 0) throw usage_error("--" + k + " takes a number >= 0, got " + v);
    return n;
  }
  std::map<std::string, std::string> kv_;
  settings extra_;
};

// ---- small helpers ----------------------------------------------------------------------------

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(steady::time_point t) {
  return std::chrono::duration<double>(steady::now() - t).count();
}

struct self_usage {
  double cpu_s;
  int64_t peak_rss_kb;
};
self_usage self() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return {cpu, ru.ru_maxrss};
}

std::atomic<bool> interrupted{false};
void on_signal(int) { interrupted = true; }

struct rk_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rk_ptr = std::unique_ptr<rd_kafka_t, rk_deleter>;

rd_kafka_conf_t* make_conf(const std::string& bootstrap, const settings& base,
                           const settings& extra) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw usage_error("librdkafka property " + k + ": " + err);
    }
  };
  set("bootstrap.servers", bootstrap);
  set("client.id", "bench_kafka");
  for (const auto& [k, v] : base) set(k, v);
  for (const auto& [k, v] : extra) set(k, v);
  return conf;
}

rk_ptr make_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw failure(std::string("cannot create client: ") + err);
  }
  return rk_ptr(rk);
}

// Partition count of `topic`, or -1 when the cluster does not have it (all-topics metadata: a
// request for one topic could auto-create it on brokers that allow that).
int partitions_of(rd_kafka_t* rk, const std::string& topic, int timeout_ms = 10000) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, timeout_ms);
  if (err) throw failure(std::string("metadata: ") + rd_kafka_err2str(err));
  int n = -1;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (topic == md->topics[i].topic && !md->topics[i].err) n = md->topics[i].partition_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

// Creates `topic` unless it exists. Returns its partition count.
int ensure_topic(rd_kafka_t* rk, const std::string& topic, int partitions) {
  int have = partitions_of(rk, topic);
  if (have > 0) return have;
  char err[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
  if (!nt) throw failure(std::string("create topic: ") + err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  std::string problem;
  if (!ev) {
    problem = "timed out";
  } else if (rd_kafka_event_error(ev)) {
    problem = rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** rs =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(rs[i]);
      if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        problem = rd_kafka_topic_result_error_string(rs[i]);
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  if (!problem.empty()) throw failure("create topic " + topic + ": " + problem);
  // Metadata catches up with the controller shortly after.
  for (auto deadline = steady::now() + 30s; steady::now() < deadline; std::this_thread::sleep_for(100ms))
    if ((have = partitions_of(rk, topic)) > 0) return have;
  throw failure("topic " + topic + " created but not visible in metadata");
}

struct watermarks {
  int64_t low = 0, high = 0;
};
// Sums of the low and high watermarks of every partition (0 when the topic is absent).
watermarks topic_watermarks(rd_kafka_t* rk, const std::string& topic) {
  int n = partitions_of(rk, topic);
  watermarks sum;
  for (int p = 0; p < n; ++p) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000);
    if (err) throw failure(std::string("watermarks: ") + rd_kafka_err2str(err));
    sum.low += lo;
    sum.high += hi;
  }
  return sum;
}

// ---- record payloads --------------------------------------------------------------------------

class payload {
 public:
  explicit payload(size_t size) : buf_(size) {
    if (size < 16) throw usage_error("--size must be at least 16");
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (auto& c : buf_) {  // xorshift filler: not trivially compressible
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      c = static_cast<char>(x);
    }
  }
  char* stamp(uint64_t seq, int64_t send_us) {
    std::memcpy(buf_.data(), &seq, 8);
    std::memcpy(buf_.data() + 8, &send_us, 8);
    return buf_.data();
  }
  size_t size() const { return buf_.size(); }

 private:
  std::vector<char> buf_;
};

uint64_t seq_of(const rd_kafka_message_t* m) {
  uint64_t seq = 0;
  if (m->len >= 8) std::memcpy(&seq, m->payload, 8);
  return seq;
}
int64_t send_us_of(const rd_kafka_message_t* m) {
  int64_t us = 0;
  if (m->len >= 16) std::memcpy(&us, static_cast<const char*>(m->payload) + 8, 8);
  return us;
}

// ---- producing --------------------------------------------------------------------------------

struct delivery_counts {
  std::atomic<int64_t> ok{0}, failed{0};
  std::atomic<int> first_error{0};
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* c = static_cast<delivery_counts*>(opaque);
  if (m->err) {
    if (c->failed++ == 0) {
      c->first_error = m->err;
      std::fprintf(stderr, "bench_kafka: delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
  } else {
    ++c->ok;
  }
}

rk_ptr make_producer(const std::string& bootstrap, const settings& base, const settings& extra,
                     delivery_counts& counts) {
  rd_kafka_conf_t* conf = make_conf(bootstrap, base, extra);
  rd_kafka_conf_set_opaque(conf, &counts);
  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
  return make_client(RD_KAFKA_PRODUCER, conf);
}

// Produces one record; waits (serving delivery reports) while the local queue is full.
void produce_one(rd_kafka_t* rk, rd_kafka_topic_t* rkt, int32_t partition, const char* value,
                 size_t size, int64_t timestamp_ms) {
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_VALUE(const_cast<char*>(value), size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
    if (!err) return;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
      throw failure(std::string("produce: ") + rd_kafka_err2str(err));
    rd_kafka_poll(rk, 10);
  }
}

void flush_all(rd_kafka_t* rk, std::chrono::seconds limit) {
  auto deadline = steady::now() + limit;
  while (rd_kafka_outq_len(rk) > 0 && steady::now() < deadline && !interrupted)
    rd_kafka_flush(rk, 500);
  if (rd_kafka_outq_len(rk) > 0) throw failure("records still unacknowledged after flush");
}

// preload and produce: N records as fast as the producer takes them; JSON of the figures.
int cmd_produce(args& a, bool preload) {
  std::string bootstrap = a.str("bootstrap"), topic = a.str("topic");
  int64_t records = a.num("records");
  int partitions = static_cast<int>(a.num("partitions", 6));
  size_t size = static_cast<size_t>(a.num("size", 1024));
  // preload: the fastest safe producer (idempotent, acks=all, large batches); produce: tandem's.
  settings base = preload ? settings{{"enable.idempotence", "true"},
                                     {"acks", "all"},
                                     {"linger.ms", "20"},
                                     {"batch.size", "1000000"},
                                     {"message.timeout.ms", "120000"},
                                     {"queue.buffering.max.messages", "500000"},
                                     {"queue.buffering.max.kbytes", "262144"}}
                          : tandem_producer;
  delivery_counts counts;
  rk_ptr rk = make_producer(bootstrap, base, a.extra(), counts);
  partitions = ensure_topic(rk.get(), topic, partitions);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
  payload value(size);
  auto t0 = steady::now();
  for (int64_t seq = 0; seq < records && !interrupted; ++seq) {
    // Timestamp 0: librdkafka stamps the record with its create time.
    produce_one(rk.get(), rkt, static_cast<int32_t>(seq % partitions),
                value.stamp(static_cast<uint64_t>(seq), 0), size, 0);
    if ((seq & 1023) == 0) rd_kafka_poll(rk.get(), 0);
  }
  flush_all(rk.get(), 300s);
  double secs = seconds_since(t0);
  rd_kafka_topic_destroy(rkt);
  if (interrupted) throw failure("interrupted");
  if (counts.ok != records)
    throw failure("only " + std::to_string(counts.ok.load()) + " of " +
                  std::to_string(records) + " records acknowledged");
  auto u = self();
  print_result({{"records", records},
                {"seconds", rounded(secs, 3)},
                {"records_per_s", rounded(static_cast<double>(records) / secs, 0)},
                {"mb_per_s", rounded(static_cast<double>(records) * static_cast<double>(size) / secs / 1e6, 2)},
                {"cpu_s", rounded(u.cpu_s, 2)},
                {"peak_rss_kb", u.peak_rss_kb}});
  return 0;
}

// ---- consuming --------------------------------------------------------------------------------

rk_ptr make_consumer(const std::string& bootstrap, const settings& extra) {
  settings base = tandem_consumer;
  base.emplace_back("group.id", "bench_kafka-" + std::to_string(getpid()));
  return make_client(RD_KAFKA_CONSUMER, make_conf(bootstrap, base, extra));
}

void assign_all(rd_kafka_t* rk, const std::string& topic, int partitions, int64_t offset) {
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = offset;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  if (err) throw failure(std::string("assign: ") + rd_kafka_err2str(err));
}

// Consumes `topic` from the beginning with tandem's consumer settings and batch call until
// `want` records were seen or `limit` passed; `each` sees every record. Returns the count.
template <class F>
int64_t consume_from_start(rd_kafka_t* rk, const std::string& topic, int partitions, int64_t want,
                           std::chrono::seconds limit, F&& each) {
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
  assign_all(rk, topic, partitions, RD_KAFKA_OFFSET_BEGINNING);
  std::vector<rd_kafka_message_t*> batch(tandem_batch);
  int64_t got = 0;
  auto deadline = steady::now() + limit;
  while (got < want && steady::now() < deadline && !interrupted) {
    ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
      if (!m->err) {
        ++got;
        each(m);
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::fprintf(stderr, "bench_kafka: consume: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
  }
  rd_kafka_queue_destroy(q);
  return got;
}

int cmd_consume(args& a) {
  std::string bootstrap = a.str("bootstrap"), topic = a.str("topic");
  int64_t records = a.num("records");
  auto limit = std::chrono::seconds(a.num("timeout", 600));
  rk_ptr rk = make_consumer(bootstrap, a.extra());
  int partitions = partitions_of(rk.get(), topic);
  if (partitions <= 0) throw failure("no topic " + topic);
  int64_t bytes = 0;
  auto t0 = steady::now();
  int64_t got = consume_from_start(rk.get(), topic, partitions, records, limit,
                                   [&](const rd_kafka_message_t* m) {
                                     bytes += static_cast<int64_t>(m->len);
                                   });
  double secs = seconds_since(t0);
  rd_kafka_consumer_close(rk.get());
  if (got < records)
    throw failure("consumed " + std::to_string(got) + " of " + std::to_string(records));
  auto u = self();
  print_result({{"records", got},
                {"seconds", rounded(secs, 3)},
                {"records_per_s", rounded(static_cast<double>(got) / secs, 0)},
                {"mb_per_s", rounded(static_cast<double>(bytes) / secs / 1e6, 2)},
                {"cpu_s", rounded(u.cpu_s, 2)},
                {"peak_rss_kb", u.peak_rss_kb}});
  return 0;
}

// Reads every record the target topic holds; proves that seqs 0..N-1 each arrived (and, with
// --partitions P, each on partition seq % P).
int cmd_verify(args& a) {
  std::string bootstrap = a.str("bootstrap"), topic = a.str("topic");
  int64_t records = a.num("records");
  int64_t src_partitions = a.num("partitions", 0);
  auto limit = std::chrono::seconds(a.num("timeout", 600));
  rk_ptr rk = make_consumer(bootstrap, a.extra());
  int partitions = partitions_of(rk.get(), topic);
  if (partitions <= 0) throw failure("no topic " + topic);
  watermarks w;
  for (auto deadline = steady::now() + 30s;; std::this_thread::sleep_for(500ms)) {
    try {
      w = topic_watermarks(rk.get(), topic);
      break;
    } catch (const failure& e) {  // e.g. a partition without a leader for a moment
      if (steady::now() >= deadline) throw;
      std::fprintf(stderr, "bench_kafka: %s (retrying)\n", e.what());
    }
  }
  int64_t held = w.high - w.low;
  std::vector<bool> seen(static_cast<size_t>(records));
  int64_t distinct = 0, duplicates = 0, foreign = 0, misplaced = 0;
  int64_t got = consume_from_start(rk.get(), topic, partitions, held, limit,
                                   [&](const rd_kafka_message_t* m) {
                                     uint64_t s = seq_of(m);
                                     if (m->len < 16 || s >= static_cast<uint64_t>(records)) {
                                       ++foreign;
                                       return;
                                     }
                                     if (seen[s]) {
                                       ++duplicates;
                                       return;
                                     }
                                     seen[s] = true;
                                     ++distinct;
                                     if (src_partitions > 0 &&
                                         m->partition != static_cast<int64_t>(s) % src_partitions)
                                       ++misplaced;
                                   });
  rd_kafka_consumer_close(rk.get());
  bool ok = got == held && distinct == records && foreign == 0 && misplaced == 0;
  print_result({{"ok", ok}, {"expected", records}, {"held", held}, {"read", got},
                {"distinct", distinct}, {"missing", records - distinct},
                {"duplicates", duplicates}, {"foreign", foreign}, {"misplaced", misplaced}});
  return ok ? 0 : 1;
}

// ---- counting and watching --------------------------------------------------------------------

int cmd_count(args& a) {
  std::string bootstrap = a.str("bootstrap"), topic = a.str("topic");
  rk_ptr rk = make_client(RD_KAFKA_PRODUCER, make_conf(bootstrap, {}, a.extra()));
  std::printf("%lld\n", static_cast<long long>(topic_watermarks(rk.get(), topic).high));
  return 0;
}

int cmd_create(args& a) {
  std::string bootstrap = a.str("bootstrap"), topic = a.str("topic");
  int partitions = static_cast<int>(a.num("partitions", 6));
  rk_ptr rk = make_client(RD_KAFKA_PRODUCER, make_conf(bootstrap, {}, a.extra()));
  std::printf("%d\n", ensure_topic(rk.get(), topic, partitions));
  return 0;
}

// /proc figures of another process: CPU (user+sys, all threads), age, peak and current RSS.
struct proc_sample {
  bool alive = false;
  double cpu_s = 0, age_s = 0;
  int64_t hwm_kb = 0, rss_kb = 0, threads = 0;
};

proc_sample sample(long pid) {
  proc_sample s;
  static const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  auto close = line.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return s;
  std::istringstream in(line.substr(close + 2));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string t; in >> t;) f.push_back(t);
  if (f.size() < 20 || f[0] == "Z") return s;
  s.alive = true;
  s.cpu_s = (std::stod(f[11]) + std::stod(f[12])) / hz;  // utime, stime
  double uptime = 0;
  std::ifstream("/proc/uptime") >> uptime;
  s.age_s = uptime - std::stod(f[19]) / hz;  // starttime
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    auto num = [&] { return std::atoll(line.c_str() + line.find(':') + 1); };
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = num();
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = num();
    if (line.rfind("Threads:", 0) == 0) s.threads = num();
  }
  return s;
}

// Polls the target topic's high watermarks until it holds N records, sampling the replicator
// process. Times are the process's age (from its start, read from /proc), so the figures
// include its start-up; "window" is from the first poll that saw records to completion.
int cmd_watch(args& a) {
  std::string bootstrap = a.str("bootstrap"), topic = a.str("topic");
  int64_t records = a.num("records");
  long pid = static_cast<long>(a.num("pid"));
  auto limit = std::chrono::seconds(a.num("timeout", 600));
  auto interval = std::chrono::milliseconds(a.num("interval-ms", 100));
  rk_ptr rk = make_client(RD_KAFKA_PRODUCER, make_conf(bootstrap, {}, a.extra()));
  auto deadline = steady::now() + limit;
  std::optional<proc_sample> first;
  int64_t first_count = 0, count = 0, last_report = 0;
  proc_sample s = sample(pid), last = s;
  if (!s.alive) throw failure("process " + std::to_string(pid) + " is not running");
  auto report_at = steady::now() + 5s;
  while (!interrupted) {
    try {
      count = topic_watermarks(rk.get(), topic).high;
    } catch (const failure& e) {  // e.g. no leader yet right after the topic was created
      std::fprintf(stderr, "bench_kafka: %s (retrying)\n", e.what());
    }
    s = sample(pid);
    if (!s.alive) break;
    last = s;
    if (count > 0 && !first) {
      first = s;
      first_count = count;
    }
    if (count >= records || steady::now() >= deadline) break;
    if (steady::now() >= report_at) {
      std::fprintf(stderr, "bench_kafka: %s holds %lld of %lld (+%lld/5s), cpu %.1fs, rss %lld MB\n",
                   topic.c_str(), static_cast<long long>(count), static_cast<long long>(records),
                   static_cast<long long>(count - last_report), s.cpu_s,
                   static_cast<long long>(s.rss_kb / 1024));
      last_report = count;
      report_at += 5s;
    }
    std::this_thread::sleep_for(interval);
  }
  bool ok = count >= records && s.alive;
  if (!first) first = last;
  double window = last.age_s - first->age_s;
  int64_t copied = count - first_count;
  print_result({{"ok", ok}, {"records", records}, {"count", count}, {"alive", s.alive},
                {"start_s", rounded(first->age_s, 3)}, {"done_s", rounded(last.age_s, 3)},
                {"window_s", rounded(window, 3)}, {"window_records", copied},
                {"cpu_start_s", rounded(first->cpu_s, 2)}, {"cpu_total_s", rounded(last.cpu_s, 2)},
                {"cpu_window_s", rounded(last.cpu_s - first->cpu_s, 2)},
                {"peak_rss_kb", last.hwm_kb}, {"threads", last.threads}});
  if (!ok)
    std::fprintf(stderr, "bench_kafka: %s holds %lld of %lld records%s\n", topic.c_str(),
                 static_cast<long long>(count), static_cast<long long>(records),
                 s.alive ? " at the deadline" : " and the process exited");
  return ok ? 0 : 1;
}

// ---- latency ----------------------------------------------------------------------------------

// Produces to (A, T) at a fixed rate with tandem's producer settings and consumes (B, T2) with a
// per-record poll (no batching delay on the measuring side). Latency of a record = its arrival
// at the consumer minus its send time (the record timestamp, kept at microsecond precision in
// the value). Warm-up records (before the first arrival, plus --warmup seconds) are not counted.
int cmd_latency(args& a) {
  std::string src = a.str("bootstrap-src"), dst = a.str("bootstrap-dst");
  std::string tsrc = a.str("topic-src"), tdst = a.str("topic-dst");
  double rate = static_cast<double>(a.num("rate"));
  int64_t seconds = a.num("seconds");
  double warmup = a.real("warmup", 3);
  size_t size = static_cast<size_t>(a.num("size", 1024));
  int partitions = static_cast<int>(a.num("partitions", 6));
  auto wait_topic = std::chrono::seconds(a.num("wait-topic", 120));
  auto drain = std::chrono::seconds(a.num("drain", 30));
  // Diagnostic: read with rd_kafka_consume_batch_queue(batch, timeout) the way tandem's flow
  // does, instead of one rd_kafka_consumer_poll per record.
  size_t read_batch = static_cast<size_t>(a.num("read-batch", 0));
  int read_timeout = static_cast<int>(a.num("read-timeout-ms", 100));
  if (rate <= 0 || seconds <= 0) throw usage_error("--rate and --seconds must be > 0");
  const int64_t measured = static_cast<int64_t>(rate * static_cast<double>(seconds));

  delivery_counts counts;
  rk_ptr producer = make_producer(src, tandem_producer, a.extra(), counts);
  partitions = ensure_topic(producer.get(), tsrc, partitions);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer.get(), tsrc.c_str(), nullptr);

  rk_ptr consumer = make_consumer(dst, a.extra());
  int dst_partitions = -1;
  for (auto deadline = steady::now() + wait_topic;
       (dst_partitions = partitions_of(consumer.get(), tdst)) <= 0; std::this_thread::sleep_for(200ms))
    if (steady::now() >= deadline || interrupted)
      throw failure("destination topic " + tdst + " did not appear");
  // From the end: records of earlier runs are never counted.
  assign_all(consumer.get(), tdst, dst_partitions, RD_KAFKA_OFFSET_END);

  std::atomic<int64_t> first_measured{INT64_MAX};
  std::atomic<int64_t> first_arrival_us{0};
  std::atomic<int64_t> received{0};
  std::atomic<bool> stop{false};
  std::vector<int32_t> lat_us;  // consumer thread only until joined
  lat_us.reserve(static_cast<size_t>(measured));
  std::vector<bool> seen(static_cast<size_t>(measured));
  int64_t duplicates = 0;
  std::thread reader([&] {
    rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(consumer.get());
    std::vector<rd_kafka_message_t*> batch(std::max<size_t>(read_batch, 1));
    size_t have = 0, next = 0;
    int64_t arrival = 0;
    while (!stop) {
      rd_kafka_message_t* m = nullptr;
      if (read_batch == 0) {
        m = rd_kafka_consumer_poll(consumer.get(), 100);
        arrival = now_us();
      } else {
        if (next == have) {
          ssize_t n = rd_kafka_consume_batch_queue(q, read_timeout, batch.data(), read_batch);
          arrival = now_us();
          have = n > 0 ? static_cast<size_t>(n) : 0;
          next = 0;
        }
        if (next < have) m = batch[next++];
      }
      if (!m) continue;
      if (!m->err && m->len >= 16) {
        if (first_arrival_us == 0) first_arrival_us = arrival;
        int64_t seq = static_cast<int64_t>(seq_of(m)) - first_measured.load();
        if (seq >= 0 && seq < measured) {
          if (seen[static_cast<size_t>(seq)]) {
            ++duplicates;
          } else {
            seen[static_cast<size_t>(seq)] = true;
            lat_us.push_back(static_cast<int32_t>(
                std::clamp<int64_t>(arrival - send_us_of(m), 0, INT32_MAX)));
            ++received;
          }
        }
      } else if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::fprintf(stderr, "bench_kafka: consume: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    for (; next < have; ++next) rd_kafka_message_destroy(batch[next]);
    rd_kafka_queue_destroy(q);
  });

  payload value(size);
  auto t0 = steady::now();
  auto warm_deadline = t0 + wait_topic;
  int64_t seq = 0, end_seq = INT64_MAX;
  double measure_start_s = 0;
  while (seq < end_seq && !interrupted) {
    double elapsed = seconds_since(t0);
    int64_t due = static_cast<int64_t>(elapsed * rate);
    if (end_seq == INT64_MAX) {  // warming up: until records arrive, plus --warmup seconds
      int64_t fa = first_arrival_us.load();
      if (fa != 0 && static_cast<double>(now_us() - fa) / 1e6 >= warmup) {
        first_measured = seq;
        end_seq = seq + measured;
        measure_start_s = elapsed;
      } else if (steady::now() >= warm_deadline) {
        stop = true;
        reader.join();
        throw failure("no record arrived at " + tdst + " while warming up");
      }
    }
    for (; seq < due && seq < end_seq; ++seq) {
      int64_t us = now_us();
      produce_one(producer.get(), rkt, static_cast<int32_t>(seq % partitions),
                  value.stamp(static_cast<uint64_t>(seq), us), size, us / 1000);
    }
    rd_kafka_poll(producer.get(), 0);
    std::this_thread::sleep_for(500us);
  }
  double produce_s = seconds_since(t0) - measure_start_s;
  for (auto deadline = steady::now() + drain;
       received < measured && steady::now() < deadline && !interrupted;
       std::this_thread::sleep_for(20ms))
    rd_kafka_poll(producer.get(), 0);
  stop = true;
  reader.join();
  flush_all(producer.get(), 30s);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_consumer_close(consumer.get());

  std::sort(lat_us.begin(), lat_us.end());
  auto pct = [&](double p) {
    if (lat_us.empty()) return 0.0;
    size_t idx = static_cast<size_t>(std::ceil(p * static_cast<double>(lat_us.size()))) - 1;
    return lat_us[std::min(idx, lat_us.size() - 1)] / 1000.0;
  };
  double mean = 0;
  for (int32_t l : lat_us) mean += l;
  mean = lat_us.empty() ? 0 : mean / static_cast<double>(lat_us.size()) / 1000.0;
  int64_t lost = measured - received;
  print_result({{"ok", lost == 0}, {"rate", rounded(rate, 0)}, {"seconds", seconds},
                {"achieved_rate", rounded(static_cast<double>(measured) / produce_s, 0)},
                {"sent", measured}, {"received", received.load()}, {"lost", lost},
                {"duplicates", duplicates}, {"failed_sends", counts.failed.load()},
                {"p50_ms", rounded(pct(0.50), 2)}, {"p90_ms", rounded(pct(0.90), 2)},
                {"p99_ms", rounded(pct(0.99), 2)}, {"p999_ms", rounded(pct(0.999), 2)},
                {"max_ms", rounded(lat_us.empty() ? 0.0 : lat_us.back() / 1000.0, 2)},
                {"mean_ms", rounded(mean, 2)}});
  return lost == 0 ? 0 : 1;
}

// ---- main -------------------------------------------------------------------------------------

constexpr const char* k_usage =
    "usage: bench_kafka COMMAND [options] [-X librdkafka.key=value ...]\n"
    "  preload --bootstrap B --topic T --records N [--partitions 6] [--size 1024]\n"
    "      fast idempotent acks=all producer; creates T if missing\n"
    "  produce --bootstrap B --topic T --records N [--partitions 6] [--size 1024]\n"
    "      produce-only limit with tandem's producer settings\n"
    "  consume --bootstrap B --topic T --records N [--timeout 600]\n"
    "      consume-only limit with tandem's consumer settings, all partitions from the start\n"
    "  latency --bootstrap-src A --bootstrap-dst B --topic-src T --topic-dst T2 --rate R\n"
    "          --seconds S [--warmup 3] [--size 1024] [--partitions 6] [--drain 30]\n"
    "          [--read-batch N --read-timeout-ms T]  (read like tandem: batch call)\n"
    "      fixed-rate produce to A, consume from B; p50/p90/p99/max of arrival - timestamp\n"
    "  count   --bootstrap B --topic T                     sum of high watermarks\n"
    "  create  --bootstrap B --topic T [--partitions 6]    create unless it exists\n"
    "  watch   --bootstrap B --topic T --records N --pid PID [--timeout 600]\n"
    "      wait until T holds N records; CPU, peak RSS and timings of process PID\n"
    "  verify  --bootstrap B --topic T --records N [--partitions P]\n"
    "      read all of T: every seq 0..N-1 exactly once (on partition seq % P)\n"
    "Prints one JSON object. Exit 0 ok, 1 failure, 2 usage.\n";

// Every command and the options it reads (besides -X).
struct command {
  const char* name;
  int (*run)(args& a);
  std::vector<std::string> options;
};

const command k_commands[] = {
    {"preload", [](args& a) { return cmd_produce(a, true); }, {"bootstrap", "topic", "records", "partitions", "size"}},
    {"produce", [](args& a) { return cmd_produce(a, false); }, {"bootstrap", "topic", "records", "partitions", "size"}},
    {"consume", cmd_consume, {"bootstrap", "topic", "records", "timeout"}},
    {"latency", cmd_latency,
     {"bootstrap-src", "bootstrap-dst", "topic-src", "topic-dst", "rate", "seconds", "warmup", "size", "partitions",
      "wait-topic", "drain", "read-batch", "read-timeout-ms"}},
    {"count", cmd_count, {"bootstrap", "topic"}},
    {"create", cmd_create, {"bootstrap", "topic", "partitions"}},
    {"watch", cmd_watch, {"bootstrap", "topic", "records", "pid", "timeout", "interval-ms"}},
    {"verify", cmd_verify, {"bootstrap", "topic", "records", "partitions", "timeout"}},
};

// The command line as CLI11 subcommands; help (-h, --help, anywhere) prints k_usage.
void declare(CLI::App& app) {
  app.set_help_flag("-h,--help");
  app.formatter_fn([](const CLI::App*, std::string, CLI::AppFormatMode) { return std::string(k_usage); });
  app.require_subcommand(1);
  for (const command& c : k_commands) {
    CLI::App* sub = app.add_subcommand(c.name);
    sub->set_help_flag("-h,--help");
    sub->allow_extras();  // reported by main() in the words of a usage_error
    // A missing value reads as "" (expected 0 or 1), reported by args in the words of a usage_error.
    for (const std::string& o : c.options)
      sub->add_option("--" + o)->expected(0, 1)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    sub->add_option("-X")->expected(0, 1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(k_usage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "help") {
    std::fputs(k_usage, stdout);
    return 0;
  }
  CLI::App app{"", "bench_kafka"};
  declare(app);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    app.parse(argc, argv);
    const CLI::App& sub = *app.get_subcommands().front();
    if (!sub.remaining().empty()) {
      const std::string r = sub.remaining().front();
      throw usage_error(r.rfind("--", 0) == 0 ? "unknown option " + r.substr(0, r.find('=')) : "bad argument " + r);
    }
    args a(sub);
    for (const command& c : k_commands)
      if (sub.get_name() == c.name) return c.run(a);
    throw usage_error("unknown command " + cmd);
  } catch (const CLI::CallForHelp&) {
    std::fputs(k_usage, stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    const bool known = std::any_of(std::begin(k_commands), std::end(k_commands),
                                   [&](const command& c) { return cmd == c.name; });
    std::fprintf(stderr, "bench_kafka: %s (try --help)\n", known ? e.what() : ("unknown command " + cmd).c_str());
    return 2;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "bench_kafka: %s (try --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kafka %s: %s\n", cmd.c_str(), e.what());
    return 1;
  }
}
