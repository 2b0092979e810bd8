// A live progress line for long work: rewritten in place on a terminal, printed once per
// `every` seconds as plain lines when output is a file or pipe (CI logs stay readable).
#pragma once

#include <chrono>
#include <string>

namespace segrt {

class Progress {
 public:
  explicit Progress(double every_s = 5.0);
  // Shows `text`; `done`/`total` give the fraction and the estimated time left.
  void update(const std::string& text, double done, double total);
  // Ends the line (on a terminal) and prints `text` as a permanent line.
  void finish(const std::string& text);

 private:
  bool tty_;
  double every_s_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

std::string format_duration(double seconds);

}  // namespace segrt
