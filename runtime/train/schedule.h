// Host-side learning-rate schedules and early stopping. The training loop asks lr(epoch) at the
// start of each epoch and writes it into the optimizer's `hyper` input; after validation it
// calls observe(metric) (only reduce-on-plateau reacts) and EarlyStopping::update(metric).
#pragma once

#include <memory>
#include <string>

namespace segrt {

// Whether a smaller (loss) or larger (Dice) metric is better.
enum class Goal { Min, Max };
Goal parse_goal(const std::string& s);  // "min" | "max"
const char* goal_name(Goal m);

// True when `value` beats `best` by more than `min_delta`; NaN never improves.
bool improves(Goal mode, double value, double best, double min_delta);

class LrSchedule {
 public:
  explicit LrSchedule(double base_lr);
  virtual ~LrSchedule() = default;
  // Learning rate for `epoch` (0-based).
  virtual double lr(int epoch) = 0;
  // The validation metric at the end of an epoch.
  virtual void observe(double val_metric) {}
  // The spec string that make_schedule() turns back into this schedule.
  virtual std::string describe() const = 0;
  double base_lr() const { return base_; }

 protected:
  static void check_epoch(int epoch);
  double base_;
};

class ConstantLr : public LrSchedule {
 public:
  using LrSchedule::LrSchedule;
  double lr(int epoch) override;
  std::string describe() const override;
};

// base * gamma^floor(epoch / step_size)
class StepLr : public LrSchedule {
 public:
  StepLr(double base_lr, int step_size, double gamma);
  double lr(int epoch) override;
  std::string describe() const override;

 private:
  int size_;
  double gamma_;
};

// base * gamma^epoch
class ExponentialLr : public LrSchedule {
 public:
  ExponentialLr(double base_lr, double gamma);
  double lr(int epoch) override;
  std::string describe() const override;

 private:
  double gamma_;
};

// eta_min + (base - eta_min) (1 + cos(pi epoch / t_max)) / 2 for epoch <= t_max, then eta_min
// (held, rather than PyTorch's closed form that climbs back up after t_max).
class CosineLr : public LrSchedule {
 public:
  CosineLr(double base_lr, int t_max, double eta_min);
  double lr(int epoch) override;
  std::string describe() const override;

 private:
  int t_max_;
  double eta_min_;
};

struct PlateauOptions {
  double factor = 0.5;
  int patience = 10;
  double min_lr = 0;
  Goal mode = Goal::Min;
  double min_delta = 0;  // absolute
  int cooldown = 0;      // epochs after a reduction during which nothing counts as bad
};

// Reduce-on-plateau with Keras's counting: once `patience` consecutive observed epochs brought
// no improvement, lr = max(lr * factor, min_lr) and the count restarts.
class PlateauLr : public LrSchedule {
 public:
  PlateauLr(double base_lr, PlateauOptions o);
  double lr(int epoch) override;
  void observe(double val_metric) override;
  std::string describe() const override;
  int reductions() const { return reductions_; }

 private:
  PlateauOptions o_;
  double current_;
  double best_;
  int wait_ = 0, cooldown_left_ = 0, reductions_ = 0;
};

// Parses "const", "step:size=10,gamma=0.5", "exp:gamma=0.95", "cosine:tmax=50,min=1e-6",
// "plateau:factor=0.5,patience=2,min=1e-6,mode=min,delta=0,cooldown=0" (also the long names
// constant, exponential, reduce_on_plateau). Throws Error saying what is wrong and what is
// accepted.
std::unique_ptr<LrSchedule> make_schedule(const std::string& spec, double base_lr);

// Stops training once `patience` consecutive epochs brought no improvement (Keras's counting;
// patience 0 stops at the first epoch that does not improve).
class EarlyStopping {
 public:
  explicit EarlyStopping(int patience, Goal mode = Goal::Min, double min_delta = 0);
  // "patience=5,mode=min,delta=1e-4"
  static EarlyStopping parse(const std::string& spec);

  // Records the metric of the next epoch; true when it is a new best (time to checkpoint).
  bool update(double value);
  bool should_stop() const { return wait_ > 0 && wait_ >= patience_; }
  double best() const { return best_; }
  int best_epoch() const { return best_epoch_; }  // 0-based; -1 before any improvement
  int epochs_without_improvement() const { return wait_; }
  std::string describe() const;

 private:
  int patience_;
  Goal mode_;
  double min_delta_;
  double best_;
  int best_epoch_ = -1, epochs_ = 0, wait_ = 0;
};

}  // namespace segrt
