#include "tools/scenario/live_engine.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <regex>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol/decimal.hpp"
#include "tools/client/client.hpp"

namespace atrium::scenario {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds start_timeout{10000};
constexpr milliseconds stop_timeout{5000};

/// Waits (bounded) for a child process to end, on a pidfd rather than by polling.
bool wait_exit(int pid, milliseconds bound) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd >= 0) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(bound.count()));
    ::close(fd);
  }
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

/// A port on 127.0.0.1 that nobody listens on right now.
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0)
      ::close(fd);
    throw engine_error(std::string{"no free port: "} + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// The callbacks of a connection may still run while its link goes away: they reach the
/// inbox only through this, which the link empties first.
struct inbox_ref {
  std::mutex mtx;
  inbox* box = nullptr;
};

class live_link final : public client_link {
public:
  live_link(boost::asio::io_context& ioc, std::uint16_t port, transport mode)
    : ref_(std::make_shared<inbox_ref>()) {
    ref_->box = &inbox_;
    client::options opts;
    opts.port = port;
    opts.mode = mode == transport::polling     ? client::transport::polling
                : mode == transport::websocket ? client::transport::websocket
                                               : client::transport::upgrade;
    client::callbacks cbs;
    cbs.on_packet = [ref = ref_](client::inbound in) {
      std::lock_guard<std::mutex> guard{ref->mtx};
      if (ref->box)
        ref->box->push({std::move(in.packet), std::move(in.attachments)});
    };
    cbs.on_close = [ref = ref_](std::string why) {
      std::lock_guard<std::mutex> guard{ref->mtx};
      if (ref->box)
        ref->box->closed(std::move(why));
    };
    conn_ = client::connection::open(ioc, opts, std::move(cbs));
  }

  ~live_link() override {
    {
      std::lock_guard<std::mutex> guard{ref_->mtx};
      ref_->box = nullptr;
    }
    conn_->abort();
  }

  void send(sio::packet p) override { conn_->send(std::move(p)); }

  void disconnect(bool abrupt) override {
    if (abrupt)
      conn_->abort();
    else
      conn_->close();
  }

private:
  std::shared_ptr<inbox_ref> ref_;
  std::shared_ptr<client::connection> conn_;
};

} // namespace

live_engine::live_engine(std::string atrium_binary)
  : binary_(std::move(atrium_binary)), work_(ioc_.get_executor()) {
  io_thread_ = std::thread{[this] { ioc_.run(); }};
}

live_engine::~live_engine() {
  for (auto& entry : nodes_)
    end(entry.second, SIGKILL);
  work_.reset();
  ioc_.stop();
  io_thread_.join();
}

live_engine::process live_engine::spawn(const std::vector<std::string>& flags,
                                        std::uint16_t port) {
  std::vector<std::string> words{binary_, "--host", "127.0.0.1", "--port", std::to_string(port),
                                 "--trusted-clients"};
  words.insert(words.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (auto& w : words)
    argv.push_back(w.data());
  argv.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    throw engine_error(std::string{"pipe: "} + std::strerror(errno));
  int pid = ::fork();
  if (pid < 0)
    throw engine_error(std::string{"fork: "} + std::strerror(errno));
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // The start-up line says where it listens.
  std::string seen;
  std::smatch m;
  static const std::regex listening{R"(listening on http://[^\s:]+:(\d+))"};
  auto deadline = std::chrono::steady_clock::now() + start_timeout;
  while (!std::regex_search(seen, m, listening)) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline
                                                          - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    char buf[512];
    ssize_t n = 0;
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0
        || (n = ::read(out[0], buf, sizeof buf)) <= 0) {
      ::close(out[0]);
      ::kill(pid, SIGKILL);
      wait_exit(pid, stop_timeout);
      throw engine_error("atrium (" + binary_ + ") did not start; it printed: " + seen);
    }
    seen.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]); // atrium prints nothing more on stdout, and ignores SIGPIPE
  process result;
  result.pid = pid;
  auto printed_port = protocol::parse_decimal<std::uint16_t>(m[1].str());
  if (!printed_port) {
    ::kill(pid, SIGKILL);
    wait_exit(pid, stop_timeout);
    throw engine_error("atrium (" + binary_ + ") printed a port that is none: " + seen);
  }
  result.port = *printed_port;
  result.flags = flags;
  return result;
}

void live_engine::end(process& p, int signal) {
  if (p.pid < 0)
    return;
  ::kill(p.pid, signal);
  if (!wait_exit(p.pid, stop_timeout)) {
    ::kill(p.pid, SIGKILL);
    wait_exit(p.pid, stop_timeout);
  }
  p.pid = -1;
}

std::vector<std::string> live_engine::resolve(const std::vector<std::string>& flags,
                                              std::uint16_t& cluster_port) const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < flags.size(); ++i) {
    if (flags[i] == "--cluster") {
      cluster_port = free_port();
      out.insert(out.end(), {"--cluster-port", std::to_string(cluster_port)});
    } else if (flags[i] == "--peer" && i + 1 < flags.size() && nodes_.count(flags[i + 1]) > 0) {
      auto& peer = nodes_.at(flags[++i]);
      if (peer.cluster_port == 0)
        throw engine_error("--peer " + flags[i] + ": that node has no --cluster");
      out.insert(out.end(), {"--peer", "127.0.0.1:" + std::to_string(peer.cluster_port)});
    } else {
      out.push_back(flags[i]);
    }
  }
  return out;
}

void live_engine::start_node(const std::string& node, const std::vector<std::string>& flags) {
  if (nodes_.count(node) > 0 && nodes_[node].pid >= 0)
    throw engine_error("node " + node + " is running already");
  std::uint16_t cluster_port = 0;
  auto resolved = resolve(flags, cluster_port);
  auto p = spawn(resolved, 0);
  p.cluster_port = cluster_port;
  nodes_[node] = p;
}

void live_engine::stop_node(const std::string& node, stop_node::how how) {
  auto found = nodes_.find(node);
  if (found == nodes_.end())
    throw engine_error("no node named " + node);
  auto& p = found->second;
  switch (how) {
    case stop_node::how::stop:
      end(p, SIGTERM);
      return;
    case stop_node::how::kill:
      end(p, SIGKILL);
      return;
    case stop_node::how::restart: {
      end(p, SIGTERM);
      // Same addresses: clients and peer nodes find it where it was.
      auto cluster_port = p.cluster_port;
      p = spawn(p.flags, p.port);
      p.cluster_port = cluster_port;
      return;
    }
  }
}

std::unique_ptr<client_link> live_engine::open(const std::string& node, transport mode) {
  auto found = nodes_.find(node);
  if (found == nodes_.end() || found->second.pid < 0)
    throw engine_error("no running node named " + node);
  return std::make_unique<live_link>(ioc_, found->second.port, mode);
}

} // namespace atrium::scenario
