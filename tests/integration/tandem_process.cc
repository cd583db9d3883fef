#include "tests/integration/tandem_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace tandem::testing {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::filesystem::path tandem_binary() {
  return std::filesystem::path(TANDEM_BINARY_DIR) / "engine" / "tandem";
}

std::string tandem_config_text(const tandem_options& o, const std::filesystem::path& state_dir,
                               unsigned short metrics_port) {
  std::ostringstream t;
  t << "# written by tests/integration/tandem_process.cc\n"
    << "region = " << toml_string(o.region) << "\n"
    << "state_dir = " << toml_string(state_dir.string()) << "\n\n"
    << "[metrics]\nlisten = " << toml_string("127.0.0.1:" + std::to_string(metrics_port))
    << "\n\n[log]\nlevel = " << toml_string(o.log_level) << "\n\n";
  for (const auto& c : o.clusters) {
    t << "[clusters." << c.alias << "]\nbootstrap = " << toml_string(c.bootstrap) << "\n";
    t << "[clusters." << c.alias << ".librdkafka]\n\"client.id\" = "
      << toml_string("tandem-it-" + o.region) << "\n\n";
  }
  t << "[replication]\nnaming = " << toml_string(o.naming) << "\ntopics = [";
  for (size_t i = 0; i < o.topics.size(); ++i)
    t << (i ? ", " : "") << toml_string(o.topics[i]);
  t << "]\ntopic_refresh = " << toml_string(o.topic_refresh) << "\n";
  return t.str();
}

unsigned short free_local_port() {
  fd_guard s{::socket(AF_INET, SOCK_STREAM, 0)};
  if (s.fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  socklen_t len = sizeof a;
  if (::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  return ntohs(a.sin_port);
}

http_response http_get(unsigned short port, const std::string& path,
                       std::chrono::milliseconds timeout) {
  http_response r;
  auto until = steady::now() + timeout;
  auto left_ms = [&] {
    return static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()).count()));
  };
  fd_guard s{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)};
  if (s.fd < 0) return r.error = std::string("socket: ") + std::strerror(errno), r;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (errno != EINPROGRESS) return r.error = std::string("connect: ") + std::strerror(errno), r;
    pollfd p{s.fd, POLLOUT, 0};
    if (::poll(&p, 1, left_ms()) != 1) return r.error = "connect: timed out", r;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return r.error = std::string("connect: ") + std::strerror(err), r;
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\n\r\n";
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = ::send(s.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN) return r.error = std::string("send: ") + std::strerror(errno), r;
    pollfd p{s.fd, POLLOUT, 0};
    if (::poll(&p, 1, left_ms()) != 1) return r.error = "send: timed out", r;
  }
  std::string raw;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) break;
    if (errno != EAGAIN) return r.error = std::string("recv: ") + std::strerror(errno), r;
    pollfd p{s.fd, POLLIN, 0};
    if (::poll(&p, 1, left_ms()) != 1) return r.error = "recv: timed out", r;
  }
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  auto head_end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos)
    return r.error = "malformed response: " + raw.substr(0, 200), r;
  auto sp = raw.find(' ');
  r.status = std::atoi(raw.c_str() + sp + 1);
  r.body = raw.substr(head_end + 4);
  return r;
}

std::string exit_status::describe() const {
  std::ostringstream o;
  if (exited) o << "exit code " << code;
  else o << "signal " << signal << " (" << strsignal(signal) << ")";
  o << " after " << elapsed.count() << " ms";
  if (needed_kill) o << " (did not exit in the grace period: SIGKILL sent)";
  return o.str();
}

tandem_process::tandem_process(tandem_options options) : options_(std::move(options)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/tandem-it-" + options_.region +
                      "-XXXXXX";
  if (!::mkdtemp(templ.data())) {
    ADD_FAILURE() << "mkdtemp " << templ << ": " << std::strerror(errno);
    return;
  }
  dir_ = templ;
  config_path_ = dir_ / "tandem.toml";
  log_path_ = dir_ / "tandem.log";
  port_ = free_local_port();
  if (port_ == 0) ADD_FAILURE() << "no free local port";
  std::ofstream(config_path_) << tandem_config_text(options_, dir_ / "state", port_);
}

tandem_process::~tandem_process() {
  if (pid_ > 0) kill();
  bool failed = ::testing::Test::HasFailure();
  if (failed && !dir_.empty()) {
    std::cerr << "---- tandem " << options_.region << " (" << dir_.string()
              << ", kept) log tail ----\n"
              << log_tail() << "---- end of tandem " << options_.region << " log ----\n";
  } else if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string tandem_process::start() {
  if (pid_ > 0) return "already running (pid " + std::to_string(pid_) + ")";
  std::vector<std::string> args;
  if (::access("/usr/bin/setpriv", X_OK) == 0)
    args = {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--"};
  for (std::string a : {tandem_binary().string(), std::string("run"), std::string("--config"),
                        config_path_.string()})
    args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return std::string("posix_spawn ") + argv[0] + ": " + std::strerror(rc);
  pid_ = pid;
  last_exit_.reset();
  return "";
}

bool tandem_process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_status e;
  if (r == pid_) {
    e.exited = WIFEXITED(status);
    e.code = e.exited ? WEXITSTATUS(status) : -1;
    e.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  last_exit_ = e;
  pid_ = -1;
  return false;
}

exit_status tandem_process::wait_exit(steady::time_point since, std::chrono::milliseconds limit) {
  exit_status e;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || r < 0) {
      e.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - since);
      if (r == pid_) {
        e.exited = WIFEXITED(status);
        e.code = e.exited ? WEXITSTATUS(status) : -1;
        e.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      }
      pid_ = -1;
      last_exit_ = e;
      return e;
    }
    if (steady::now() - since >= limit) {
      e.needed_kill = true;
      return e;
    }
    std::this_thread::sleep_for(5ms);
  }
}

exit_status tandem_process::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return last_exit_.value_or(exit_status{});
  auto since = steady::now();
  ::kill(pid_, SIGTERM);
  exit_status e = wait_exit(since, grace);
  if (!e.needed_kill) return e;
  ::kill(pid_, SIGKILL);
  e = wait_exit(since, std::chrono::hours(1));
  e.needed_kill = true;
  last_exit_ = e;
  return e;
}

exit_status tandem_process::kill() {
  if (pid_ <= 0) return last_exit_.value_or(exit_status{});
  auto since = steady::now();
  ::kill(pid_, SIGKILL);
  return wait_exit(since, std::chrono::hours(1));
}

std::string tandem_process::metrics_text() const {
  auto r = get("/metrics");
  return r.status == 200 ? r.body : std::string();
}

bool tandem_process::wait_ready(std::chrono::milliseconds deadline) {
  auto until = steady::now() + deadline;
  while (steady::now() < until) {
    if (get("/readyz").status == 200) return true;
    if (!running()) return false;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string tandem_process::log_tail(size_t bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes == std::string::npos || all.size() <= bytes) return all;
  return "..." + all.substr(all.size() - bytes);
}

// ---- Prometheus text ---------------------------------------------------------------------------

std::vector<metric_sample> parse_metrics(const std::string& text) {
  std::vector<metric_sample> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    metric_sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') break;
        std::string key = line.substr(i, eq - i);
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    while (i < line.size() && line[i] == ' ') ++i;
    std::string v = line.substr(i);
    if (auto sp = v.find(' '); sp != std::string::npos) v.resize(sp);  // a timestamp follows
    s.value = v == "+Inf" ? HUGE_VAL : v == "-Inf" ? -HUGE_VAL : std::strtod(v.c_str(), nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

namespace {
bool matches(const metric_sample& s, const std::string& name,
             const std::map<std::string, std::string>& match) {
  if (s.name != name) return false;
  for (const auto& [k, v] : match) {
    auto it = s.labels.find(k);
    if (it == s.labels.end() || it->second != v) return false;
  }
  return true;
}
}  // namespace

double metric_sum(const std::vector<metric_sample>& samples, const std::string& name,
                  const std::map<std::string, std::string>& match) {
  double sum = 0;
  for (const auto& s : samples)
    if (matches(s, name, match)) sum += s.value;
  return sum;
}

size_t metric_count(const std::vector<metric_sample>& samples, const std::string& name,
                    const std::map<std::string, std::string>& match) {
  size_t n = 0;
  for (const auto& s : samples)
    if (matches(s, name, match)) ++n;
  return n;
}

}  // namespace tandem::testing
