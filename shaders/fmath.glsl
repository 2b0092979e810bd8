// Float helpers GLSL lacks: expm1 and log1p that keep their relative accuracy near 0 (series
// there: a device's exp and log only promise absolute accuracy around 1), a sigmoid that
// never overflows, and pow with C's value at a zero base.
float expm1f(float x) {
  if (abs(x) >= 0.1) return exp(x) - 1.0;
  // x + x^2/2! + ... + x^7/7!: relative error below 1e-10 for |x| < 0.1.
  return x * (1.0 + x * (1.0 / 2.0 + x * (1.0 / 6.0 + x * (1.0 / 24.0 +
         x * (1.0 / 120.0 + x * (1.0 / 720.0 + x * (1.0 / 5040.0)))))));
}

float log1pf(float x) {
  if (abs(x) >= 0.1) return log(1.0 + x);
  // Alternating series to x^9: relative error below 1e-10 for |x| < 0.1.
  return x * (1.0 - x * (1.0 / 2.0 - x * (1.0 / 3.0 - x * (1.0 / 4.0 - x * (1.0 / 5.0 -
         x * (1.0 / 6.0 - x * (1.0 / 7.0 - x * (1.0 / 8.0 - x * (1.0 / 9.0)))))))));
}

float sigm(float z) {
  if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
  const float e = exp(z);
  return e / (1.0 + e);
}

// pow(x, y) for x >= 0; GLSL leaves pow(0, y) undefined, C gives 1 for y = 0, else 0.
float spow(float x, float y) {
  if (x > 0.0) return pow(x, y);
  return y == 0.0 ? 1.0 : 0.0;
}
