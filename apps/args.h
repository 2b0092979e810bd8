// A small command-line parser: --key value, --key=value and --flag, positional arguments, and
// a usage text per command. Unknown flags and missing values are errors, never ignored.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph/ir.h"

namespace segrt::app {

struct OptSpec {
  std::string name;   // without dashes
  std::string value;  // placeholder, empty for a flag
  std::string help;
  std::string def;  // default shown in --help
};

class Args {
 public:
  Args(std::string command, std::string synopsis, std::vector<OptSpec> opts)
      : command_(std::move(command)), synopsis_(std::move(synopsis)), opts_(std::move(opts)) {}
  // Returns false when --help was given (usage already printed).
  bool parse(const std::vector<std::string>& argv);
  std::string usage() const;

  bool flag(const std::string& k) const { return flags_.count(k) != 0; }
  bool has(const std::string& k) const { return vals_.count(k) != 0; }
  std::string str(const std::string& k) const;               // value or the spec's default
  std::vector<std::string> all(const std::string& k) const;  // repeated options
  int integer(const std::string& k) const;
  // An integer that must be at least `min` (Error otherwise).
  int integer(const std::string& k, int min) const;
  double real(const std::string& k) const;
  // "HxW" or "N" -> {H, W}.
  std::pair<int, int> size(const std::string& k) const;
  const std::vector<std::string>& positional() const { return pos_; }

 private:
  const OptSpec* spec(const std::string& k) const;
  std::string command_, synopsis_;
  std::vector<OptSpec> opts_;
  std::map<std::string, std::vector<std::string>> vals_;
  std::set<std::string> flags_;
  std::vector<std::string> pos_;
};

}  // namespace segrt::app
