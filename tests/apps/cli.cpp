#include "tests/apps/cli.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace segrt::test {
namespace {

// Starts SEGRT_BINARY with `args`, stdout and stderr redirected to the two files (created or
// truncated), in `cwd` when given. Two OpenMP threads at most: the test machine's share.
pid_t spawn(const std::vector<std::string>& args, const std::string& cwd,
            const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> full = {SEGRT_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The environment is built here: between fork and exec only async-signal-safe calls are
  // allowed (the test process may have OpenMP threads).
  std::vector<std::string> env_text = {"OMP_NUM_THREADS=2"};
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "OMP_NUM_THREADS=", 16) != 0) env_text.push_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 ||
        ::dup2(in, 0) < 0)
      ::_exit(126);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// A fresh folder for one run's captured output.
std::filesystem::path capture_dir() {
  std::string t = (std::filesystem::temp_directory_path() / "segrt_cli_XXXXXX").string();
  if (!::mkdtemp(t.data()))
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  return t;
}

}  // namespace

bool CliResult::exited() const {
  return !timed_out && status >= 0 && WIFEXITED(status);
}
int CliResult::code() const {
  return exited() ? WEXITSTATUS(status) : -1;
}
int CliResult::signal() const {
  return status >= 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

std::string CliResult::describe() const {
  std::string s = "$ segrt";
  for (auto& a : args) s += " '" + a + "'";
  if (timed_out)
    s += "\n[timed out and killed]";
  else if (signal())
    s += "\n[killed by signal " + std::to_string(signal()) + "]";
  else
    s += "\n[exit status " + std::to_string(code()) + "]";
  auto tail = [](const std::string& t) { return t.size() > 3000 ? t.substr(t.size() - 3000) : t; };
  return s + "\n--- stdout ---\n" + tail(out) + "\n--- stderr ---\n" + tail(err);
}

CliResult run_segrt(const std::vector<std::string>& args, const std::string& cwd,
                    double timeout_s) {
  CliResult r;
  r.args = args;
  const std::filesystem::path dir = capture_dir();
  const std::string out_path = dir / "stdout", err_path = dir / "stderr";
  const pid_t pid = spawn(args, cwd, out_path, err_path);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (true) {
    const pid_t w = ::waitpid(pid, &r.status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &r.status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

SegrtProcess::SegrtProcess(const std::vector<std::string>& args, const std::string& out_path,
                           const std::string& err_path)
    : pid_(spawn(args, {}, out_path, err_path)) {}

SegrtProcess::~SegrtProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

bool SegrtProcess::running() {
  if (status_ >= 0) return false;
  const pid_t w = ::waitpid(pid_, &status_, WNOHANG);
  if (w == pid_) return false;
  status_ = -1;
  return true;
}

void SegrtProcess::kill(int sig) {
  if (status_ < 0) ::kill(pid_, sig);
}

int SegrtProcess::wait() {
  while (status_ < 0)
    if (::waitpid(pid_, &status_, 0) < 0 && errno != EINTR) break;
  return status_;
}

void check_clean_failure(const CliResult& r, const std::vector<std::string>& needles) {
  INFO(r.describe());
  CHECK_MESSAGE(r.exited(), "the process must exit, not crash or hang");
  CHECK((r.code() == 1 || r.code() == 2));
  for (const std::string& n : needles) {
    INFO("stderr should mention: " << n);
    CHECK(r.err.find(n) != std::string::npos);
  }
}

void check_success(const CliResult& r) {
  INFO(r.describe());
  CHECK(r.exited());
  CHECK(r.code() == 0);
}

}  // namespace segrt::test
