// Running the real `segrt` binary (SEGRT_BINARY) as a user would: fork and exec with an argument
// vector (no shell, so paths need no quoting), stdout and stderr captured, exit status kept.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace segrt::test {

struct CliResult {
  std::vector<std::string> args;
  int status = -1;  // as waitpid gives it
  bool timed_out = false;
  std::string out, err;

  bool exited() const;
  int code() const;    // exit status; -1 when killed by a signal
  int signal() const;  // terminating signal; 0 when it exited
  // The command line, how it ended and what it printed, for failure messages.
  std::string describe() const;
};

// Runs `segrt args...` in `cwd` (empty: the current folder), killed after `timeout_s`.
CliResult run_segrt(const std::vector<std::string>& args, const std::string& cwd = {},
                    double timeout_s = 120);

// A `segrt` process running in the background, its output going to two files.
class SegrtProcess {
 public:
  SegrtProcess(const std::vector<std::string>& args, const std::string& out_path,
               const std::string& err_path);
  ~SegrtProcess();  // kills and reaps the process if it still runs
  SegrtProcess(const SegrtProcess&) = delete;
  SegrtProcess& operator=(const SegrtProcess&) = delete;

  bool running();      // false once it has ended (then status() is valid)
  void kill(int sig);  // sends `sig`
  int wait();          // waits for the end; the waitpid status
  int status() const { return status_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// Checks that `r` is a clean failure: the process exited (no signal, no crash, no timeout) with
// status 1 or 2, and stderr holds every one of `needles` (the file at fault, the problem).
void check_clean_failure(const CliResult& r, const std::vector<std::string>& needles);

// Checks that `r` exited with status 0.
void check_success(const CliResult& r);

}  // namespace segrt::test
