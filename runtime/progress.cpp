#include "runtime/progress.h"

#include <unistd.h>

#include <cstdio>

namespace segrt {

Progress::Progress(double every_s)
    : tty_(isatty(fileno(stderr)) != 0),
      every_s_(every_s),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

std::string format_duration(double s) {
  char buf[32];
  if (s < 0 || s != s) return "?";
  int t = static_cast<int>(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", t / 3600, t / 60 % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%dm%02ds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ds", t);
  return buf;
}

void Progress::update(const std::string& text, double done, double total) {
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_).count();
  if (!tty_ && shown_ && since < every_s_) return;
  if (tty_ && shown_ && since < 0.2) return;
  last_ = now;
  shown_ = true;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double left = done > 0 ? elapsed * (total - done) / done : -1;
  std::string line =
      text + "  " + format_duration(elapsed) + " elapsed, " + format_duration(left) + " left";
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish(const std::string& text) {
  if (tty_ && shown_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace segrt
