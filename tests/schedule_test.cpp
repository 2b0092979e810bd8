// Learning-rate schedules, their spec strings and early stopping.
#include "runtime/train/schedule.h"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "graph/ir.h"

namespace segrt::test {
namespace {

std::string error_of(const std::string& spec, double base = 0.1) {
  try {
    make_schedule(spec, base);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("lr schedules: constant, step, exponential, cosine") {
  auto c = make_schedule("const", 0.01);
  CHECK(c->lr(0) == 0.01);
  CHECK(c->lr(99) == 0.01);

  auto s = make_schedule("step:size=10,gamma=0.5", 0.1);
  CHECK(s->lr(0) == doctest::Approx(0.1));
  CHECK(s->lr(9) == doctest::Approx(0.1));
  CHECK(s->lr(10) == doctest::Approx(0.05));
  CHECK(s->lr(25) == doctest::Approx(0.025));
  CHECK(make_schedule("step:size=3", 1.0)->lr(3) == doctest::Approx(0.1));  // gamma 0.1

  auto e = make_schedule("exp:gamma=0.95", 0.1);
  CHECK(e->lr(0) == doctest::Approx(0.1));
  CHECK(e->lr(2) == doctest::Approx(0.1 * 0.9025));

  auto cs = make_schedule("cosine:tmax=50,min=1e-6", 1e-3);
  CHECK(cs->lr(0) == doctest::Approx(1e-3));
  CHECK(cs->lr(25) == doctest::Approx((1e-3 + 1e-6) / 2));
  CHECK(cs->lr(10) ==
        doctest::Approx(1e-6 + (1e-3 - 1e-6) * (1 + std::cos(std::numbers::pi / 5)) / 2));
  CHECK(cs->lr(50) == doctest::Approx(1e-6));
  CHECK(cs->lr(80) == doctest::Approx(1e-6));  // held after tmax
  for (int ep = 1; ep <= 60; ++ep) CHECK(cs->lr(ep) <= cs->lr(ep - 1));
  CHECK(make_schedule("cosine:tmax=4", 1.0)->lr(4) == 0.0);  // min defaults to 0

  // observe() does not move the epoch-driven schedules.
  s->observe(1.0);
  s->observe(2.0);
  CHECK(s->lr(0) == doctest::Approx(0.1));
  CHECK_THROWS_AS(s->lr(-1), Error);
}

TEST_CASE("reduce-on-plateau halves after `patience` epochs without improvement") {
  // ResU-Net: x0.5, patience 2, on the validation loss.
  auto p = make_schedule("plateau:factor=0.5,patience=2", 1e-2);
  auto* pl = dynamic_cast<PlateauLr*>(p.get());
  REQUIRE(pl != nullptr);
  const double losses[] = {1.0, 0.9, 0.95, 0.92, 0.91, 0.89, 0.95, 0.96, 0.97, 0.98};
  const double want[] = {1e-2, 1e-2, 1e-2, 1e-2, 5e-3, 5e-3, 5e-3, 5e-3, 2.5e-3, 2.5e-3};
  // want[e] is the rate of epoch e; epoch e's loss is observed at its end.
  for (int ep = 0; ep < 10; ++ep) {
    INFO("epoch " << ep);
    CHECK(p->lr(ep) == doctest::Approx(want[ep]));
    p->observe(losses[ep]);
  }
  CHECK(pl->reductions() == 3);  // after epochs 3, 7 and 9
  CHECK(p->lr(10) == doctest::Approx(1.25e-3));

  SUBCASE("mode max on Dice, min_lr clamps, NaN counts as no improvement") {
    auto q = make_schedule("plateau:factor=0.1,patience=1,min=2e-3,mode=max", 1e-2);
    q->observe(0.5);
    q->observe(0.6);
    CHECK(q->lr(2) == doctest::Approx(1e-2));
    q->observe(std::nan(""));
    CHECK(q->lr(3) == doctest::Approx(2e-3));  // 1e-3 clamped to min
    q->observe(0.4);
    CHECK(q->lr(4) == doctest::Approx(2e-3));  // already at the floor
  }
  SUBCASE("delta and cooldown") {
    auto q = make_schedule("plateau:patience=1,delta=0.01,cooldown=2", 1.0);
    q->observe(1.0);
    q->observe(0.995);  // within delta: not an improvement -> reduce
    CHECK(q->lr(2) == doctest::Approx(0.5));
    q->observe(2.0);  // cooldown: not counted
    q->observe(2.0);  // cooldown: not counted
    CHECK(q->lr(4) == doctest::Approx(0.5));
    q->observe(2.0);  // counted again
    CHECK(q->lr(5) == doctest::Approx(0.25));
  }
}

TEST_CASE("lr schedule specs: aliases, round trips and clear errors") {
  for (const char* spec : {"const", "step:size=10,gamma=0.5", "exp:gamma=0.95",
                           "cosine:tmax=50,min=1e-06", "plateau:factor=0.5,patience=2"}) {
    INFO(spec);
    auto a = make_schedule(spec, 0.1);
    auto b = make_schedule(a->describe(), 0.1);
    CHECK(b->describe() == a->describe());
    for (int ep = 0; ep < 60; ep += 7) CHECK(b->lr(ep) == a->lr(ep));
  }
  CHECK(make_schedule("cosine:tmax=50,min=1e-6", 0.1)->describe() == "cosine:tmax=50,min=1e-06");
  CHECK(make_schedule(" constant ", 0.1)->lr(3) == 0.1);
  CHECK(make_schedule("exponential:gamma=0.5", 1.0)->lr(1) == 0.5);
  CHECK(make_schedule("reduce_on_plateau", 1.0)->describe() ==
        "plateau:factor=0.5,patience=10,min=0,mode=min,delta=0,cooldown=0");
  CHECK(make_schedule("step: size = 2 , gamma = 0.5", 1.0)->lr(2) == 0.5);

  CHECK(contains(error_of("warmup"), "unknown lr schedule 'warmup'"));
  CHECK(contains(error_of("warmup"), "cosine:tmax=N"));
  CHECK(contains(error_of("cosine"), "needs tmax=<value>"));
  CHECK(contains(error_of("step:gamma=0.5"), "needs size=<value>"));
  CHECK(contains(error_of("cosine:tmax=5.5"), "tmax must be an integer, got '5.5'"));
  CHECK(contains(error_of("step:size=10,gama=0.5"), "unknown key 'gama' (accepted: size gamma)"));
  CHECK(contains(error_of("step:size=10,size=3"), "given twice"));
  CHECK(contains(error_of("exp:gamma=abc"), "gamma must be a number, got 'abc'"));
  CHECK(contains(error_of("exp:gamma"), "expected key=value"));
  CHECK(contains(error_of("exp:gamma="), "has no value"));
  CHECK(contains(error_of("const:x=1"), "takes no keys"));
  CHECK(contains(error_of("plateau:mode=avg"), "mode must be min or max"));
  CHECK(contains(error_of("plateau:factor=1.5"), "factor must be in (0, 1)"));
  CHECK(contains(error_of("cosine:tmax=10,min=1", 0.1), "min must be in [0, base lr"));
  CHECK(contains(error_of("cosine:tmax=0"), "tmax must be >= 1"));
  CHECK(contains(error_of("step:size=0"), "size must be >= 1"));
  CHECK(contains(error_of("const", 0.0), "learning rate must be a positive number"));
  CHECK(contains(error_of("step:size=2,"), "expected key=value"));
}

TEST_CASE("early stopping: patience, best epoch, modes") {
  // ResU-Net: patience 5 on the validation loss, best checkpoint by it.
  EarlyStopping es(5);
  const double losses[] = {1.0, 0.8, 0.85, 0.81, 0.7, 0.75, 0.76, 0.71, 0.72, 0.9};
  const bool best[] = {true, true, false, false, true, false, false, false, false, false};
  for (int ep = 0; ep < 10; ++ep) {
    INFO("epoch " << ep);
    CHECK(es.update(losses[ep]) == best[ep]);
    CHECK(es.should_stop() == (ep == 9));  // epochs 5..9 brought no improvement
  }
  CHECK(es.best() == 0.7);
  CHECK(es.best_epoch() == 4);
  CHECK(es.epochs_without_improvement() == 5);

  // Max mode with a minimum improvement, NaN never a best, patience 0 stops at once.
  EarlyStopping dice = EarlyStopping::parse("patience=2,mode=max,delta=0.01");
  CHECK(dice.describe() == "patience=2,mode=max,delta=0.01");
  CHECK(dice.update(0.5));
  CHECK_FALSE(dice.update(0.505));  // less than delta better
  CHECK_FALSE(dice.should_stop());
  CHECK(dice.update(0.52));
  CHECK_FALSE(dice.update(std::nan("")));
  CHECK_FALSE(dice.update(0.3));
  CHECK(dice.should_stop());
  CHECK(dice.best_epoch() == 2);

  EarlyStopping now(0);
  CHECK(now.update(1.0));
  CHECK_FALSE(now.should_stop());
  CHECK_FALSE(now.update(1.0));
  CHECK(now.should_stop());

  CHECK_THROWS_WITH_AS(EarlyStopping::parse("mode=min"), doctest::Contains("needs patience"),
                       Error);
  CHECK_THROWS_WITH_AS(EarlyStopping::parse("patience=3,min_delta=1"),
                       doctest::Contains("unknown key 'min_delta'"), Error);
  CHECK_THROWS_AS(EarlyStopping(-1), Error);
}

}  // namespace segrt::test
