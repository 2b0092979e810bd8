// Convolutions against naive loops written straight from the definitions, in double. The
// operator suite checks gradients against the forward pass; this checks the forward pass itself
// (and the gradient ops once more), on shapes that take every path of the engine: row tiles,
// batch- and channel-parallel input gradients, pointwise, depthwise, groups, and 1 to 3 threads.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>

#include "graph/autodiff.h"
#include "graph/ops/conv_params.h"
#include "runtime/cpu/cpu_backend.h"
#include "tests/ops/op_case.h"

namespace segrt::test {
namespace {

using V = std::vector<int64_t>;
using Buf = std::vector<double>;

struct Ref {
  Buf y, dx, dw, db;
};

// Visits every (input element, weight element, output element) triple of a conv2d with input
// x [N, C, H, W], weight w [O, C/g, kh, kw] and output [N, O, Ho, Wo].
template <typename F>
void each_tap(const Shape& x, const Shape& w, const Shape& y, const ConvParams& p, F f) {
  const int64_t g = p.groups, cg = x[1] / g, og = w[0] / g;
  for (int64_t n = 0; n < x[0]; ++n)
    for (int64_t o = 0; o < w[0]; ++o)
      for (int64_t oh = 0; oh < y[2]; ++oh)
        for (int64_t ow = 0; ow < y[3]; ++ow)
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t i = 0; i < w[2]; ++i)
              for (int64_t j = 0; j < w[3]; ++j) {
                const int64_t ih = oh * p.stride[0] - p.pad[0] + i * p.dilation[0];
                const int64_t iw = ow * p.stride[1] - p.pad[1] + j * p.dilation[1];
                if (ih < 0 || ih >= x[2] || iw < 0 || iw >= x[3]) continue;
                const int64_t c = (o / og) * cg + ci;
                f(((n * x[1] + c) * x[2] + ih) * x[3] + iw, ((o * cg + ci) * w[2] + i) * w[3] + j,
                  ((n * w[0] + o) * y[2] + oh) * y[3] + ow);
              }
}

// conv2d: y = x * w + b; dx, dw, db for the incoming gradient dy.
Ref ref_conv2d(const Shape& xs, const Shape& ws, const Shape& ys, const ConvParams& p, const Buf& x,
               const Buf& w, const Buf& b, const Buf& dy) {
  Ref r{Buf(numel(ys)), Buf(numel(xs)), Buf(numel(ws)), Buf(ws[0])};
  const int64_t hw = ys[2] * ys[3];
  for (int64_t k = 0; k < numel(ys); ++k) {
    r.y[k] = b[(k / hw) % ys[1]];
    r.db[(k / hw) % ys[1]] += dy[k];
  }
  each_tap(xs, ws, ys, p, [&](int64_t xi, int64_t wi, int64_t yi) {
    r.y[yi] += x[xi] * w[wi];
    r.dx[xi] += dy[yi] * w[wi];
    r.dw[wi] += dy[yi] * x[xi];
  });
  return r;
}

// conv_transpose2d is the adjoint of the conv2d from its output `ys` onto its input `xs`.
Ref ref_conv_transpose2d(const Shape& xs, const Shape& ws, const Shape& ys, const ConvParams& p,
                         const Buf& x, const Buf& w, const Buf& b, const Buf& dy) {
  Ref r{Buf(numel(ys)), Buf(numel(xs)), Buf(numel(ws)), Buf(ys[1])};
  const int64_t hw = ys[2] * ys[3];
  for (int64_t k = 0; k < numel(ys); ++k) {
    r.y[k] = b[(k / hw) % ys[1]];
    r.db[(k / hw) % ys[1]] += dy[k];
  }
  // In conv2d terms: input ys, weight ws read as OIHW, output xs.
  each_tap(ys, ws, xs, p, [&](int64_t yi, int64_t wi, int64_t xi) {
    r.y[yi] += x[xi] * w[wi];
    r.dx[xi] += dy[yi] * w[wi];
    r.dw[wi] += dy[yi] * x[xi];
  });
  return r;
}

Buf draw(const Shape& s, uint64_t seed) {
  Buf d(numel(s));
  for (size_t k = 0; k < d.size(); ++k) d[k] = uniform(seed, k);
  return d;
}

void expect_close(const double* got, const Buf& want, const std::string& what) {
  double worst = 0, scale = 1;
  for (size_t k = 0; k < want.size(); ++k) {
    worst = std::max(worst, std::abs(got[k] - want[k]));
    scale = std::max(scale, std::abs(want[k]));
  }
  INFO(what << ": max abs error " << worst << " (scale " << scale << ")");
  CHECK(worst <= 1e-11 * scale);
}

struct Config {
  std::string op;
  Shape x, w;
  Attrs attrs;
};

void check(const Config& c) {
  Graph g;
  const ConvParams p = conv_params(c.attrs, c.op);
  const bool transposed = c.op == "conv_transpose2d";
  const int64_t cout = transposed ? c.w[1] * p.groups : c.w[0];
  int x = g.add_input("x", c.x), w = g.add_input("w", c.w), b = g.add_input("b", {cout});
  int y = g.add1(c.op, {x, w, b}, c.attrs);
  const Shape ys = g.value(y).shape;
  int dy = g.add_input("dy", ys);
  auto grads = add_backward(g, {{y, dy}}, {x, w, b});

  const Buf xd = draw(c.x, 1), wd = draw(c.w, 2), bd = draw({cout}, 3), dyd = draw(ys, 4);
  const Ref r = transposed ? ref_conv_transpose2d(c.x, c.w, ys, p, xd, wd, bd, dyd)
                           : ref_conv2d(c.x, c.w, ys, p, xd, wd, bd, dyd);
  const int prev = omp_get_max_threads();
  for (int threads : {1, 2, 3}) {
    cpu::set_threads(threads);
    cpu::CpuProgram<double> prog(g, {y, grads.at(x), grads.at(w), grads.at(b)});
    for (auto [v, d] : {std::pair{x, &xd}, {w, &wd}, {b, &bd}, {dy, &dyd}})
      std::copy(d->begin(), d->end(), prog.data(v));
    prog.run();
    const std::string tag = c.op + " " + shape_str(c.x) + " " + shape_str(c.w) + " " +
                            c.attrs.str() + " threads " + std::to_string(threads);
    expect_close(prog.data(y), r.y, tag + " y");
    expect_close(prog.data(grads.at(x)), r.dx, tag + " dx");
    expect_close(prog.data(grads.at(w)), r.dw, tag + " dw");
    expect_close(prog.data(grads.at(b)), r.db, tag + " db");
  }
  cpu::set_threads(prev);
}

}  // namespace

TEST_CASE("conv2d and its gradients match naive loops") {
  const Attrs k3{{"pad", V{1, 1}}};
  // Row tiles within an image, batch-parallel and (one image) channel-parallel dx.
  check({"conv2d", {3, 16, 30, 32}, {5, 16, 3, 3}, k3});
  check({"conv2d", {1, 16, 30, 32}, {5, 16, 3, 3}, k3});
  // Strides, dilations, asymmetric padding and groups together.
  const Attrs odd{
      {"stride", V{2, 1}}, {"pad", V{2, 1}}, {"dilation", V{2, 1}}, {"groups", int64_t(2)}};
  check({"conv2d", {4, 6, 11, 9}, {4, 3, 3, 2}, odd});
  check({"conv2d", {1, 6, 11, 9}, {4, 3, 3, 2}, odd});
  // 'Same' dilated convolution (rows copied as one flat range), and padding so wide that some
  // taps never touch the image.
  check({"conv2d", {2, 4, 12, 10}, {3, 4, 3, 3}, {{"pad", V{2, 2}}, {"dilation", V{2, 2}}}});
  check({"conv2d", {2, 2, 3, 1}, {2, 2, 3, 3}, {{"pad", V{3, 3}}, {"stride", V{4, 4}}}});
  // Pointwise, plain and grouped, with more columns than one tile.
  check({"conv2d", {1, 8, 40, 40}, {6, 8, 1, 1}, {}});
  check({"conv2d", {3, 8, 12, 10}, {6, 4, 1, 1}, {{"groups", int64_t(2)}}});
  // 1x1 with stride goes through im2col.
  check({"conv2d", {2, 4, 9, 8}, {3, 4, 1, 1}, {{"stride", V{2, 2}}}});
  // Depthwise: stride 1 and 2, and dilation.
  check({"conv2d", {3, 5, 9, 10}, {5, 1, 3, 3}, {{"pad", V{1, 1}}, {"groups", int64_t(5)}}});
  check({"conv2d", {2, 3, 9, 10}, {3, 1, 5, 5}, {{"pad", V{2, 2}}, {"groups", int64_t(3)}}});
  check({"conv2d",
         {2, 3, 9, 10},
         {3, 1, 3, 3},
         {{"stride", V{2, 2}}, {"pad", V{1, 1}}, {"groups", int64_t(3)}}});
  check({"conv2d",
         {2, 3, 9, 10},
         {3, 1, 3, 3},
         {{"dilation", V{2, 2}}, {"pad", V{2, 2}}, {"groups", int64_t(3)}}});
  // Padding wider than the kernel reach, and an image narrower than the kernel.
  check({"conv2d", {1, 2, 4, 5}, {2, 1, 3, 3}, {{"pad", V{3, 3}}, {"groups", int64_t(2)}}});
  check({"conv2d", {2, 2, 2, 1}, {2, 1, 3, 3}, {{"pad", V{1, 1}}, {"groups", int64_t(2)}}});
  check({"conv2d",
         {2, 4, 9, 10},
         {4, 1, 5, 3},
         {{"stride", V{2, 2}}, {"pad", V{2, 0}}, {"dilation", V{1, 2}}, {"groups", int64_t(4)}}});
}

TEST_CASE("conv_transpose2d and its gradients match naive loops") {
  const Attrs same{{"stride", V{2, 2}}, {"pad", V{1, 1}}, {"output_padding", V{1, 1}}};
  check({"conv_transpose2d", {2, 6, 7, 8}, {6, 4, 3, 3}, same});
  check({"conv_transpose2d", {1, 6, 7, 8}, {6, 4, 3, 3}, same});
  check({"conv_transpose2d", {3, 4, 5, 5}, {4, 3, 2, 2}, {{"stride", V{2, 2}}}});
  check({"conv_transpose2d",
         {2, 4, 5, 6},
         {4, 3, 3, 3},
         {{"stride", V{2, 1}},
          {"pad", V{1, 0}},
          {"output_padding", V{1, 0}},
          {"groups", int64_t(2)}}});
  check({"conv_transpose2d",
         {2, 3, 5, 4},
         {3, 1, 3, 3},
         {{"dilation", V{2, 2}}, {"pad", V{1, 1}}, {"groups", int64_t(3)}}});
}

}  // namespace segrt::test
