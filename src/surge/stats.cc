#include "keikai/surge/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace keikai::surge {
namespace {

constexpr double kEps = 1e-15;
constexpr double kTiny = 1e-300;
constexpr int kMaxIter = 10000;

// Series expansion of P(a, x), good for x < a + 1.
double GammaPSeries(double a, double x) {
  double term = 1.0 / a, sum = term;
  for (int n = 1; n < kMaxIter; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * kEps) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Continued fraction of Q(a, x) = 1 - P(a, x) (modified Lentz), good for x >= a + 1.
double GammaQFraction(double a, double x) {
  double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < kMaxIter; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEps) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

// Continued fraction for the incomplete beta (modified Lentz).
double BetaFraction(double a, double b, double x) {
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0, d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < kMaxIter; ++m) {
    const int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEps) break;
  }
  return h;
}

}  // namespace

double GammaP(double a, double x) {
  if (x <= 0.0) return 0.0;
  if (x < a + 1.0) return std::min(1.0, GammaPSeries(a, x));
  return std::max(0.0, 1.0 - GammaQFraction(a, x));
}

double BetaI(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double lbt = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                     b * std::log1p(-x);
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(lbt) * BetaFraction(a, b, x) / a;
  return 1.0 - std::exp(lbt) * BetaFraction(b, a, 1.0 - x) / b;
}

double PoissonUpperTail(uint64_t k, double mean) {
  if (k == 0) return 1.0;
  if (mean <= 0.0) return kTiny;
  const auto a = static_cast<double>(k);
  // P(X >= k) = P(k, mean). For the far tail compute Q's complement through the series
  // directly so it does not round to 0 via 1 - (1 - tiny).
  double p = mean < a + 1.0 ? GammaPSeries(a, mean) : 1.0 - GammaQFraction(a, mean);
  return std::clamp(p, kTiny, 1.0);
}

double NegBinUpperTail(uint64_t k, double mean, double size) {
  if (k == 0) return 1.0;
  if (!(size > 0.0) || std::isinf(size) || size > 1e9) return PoissonUpperTail(k, mean);
  if (mean <= 0.0) return kTiny;
  // X ~ NB(size r, success probability p = r / (r + mean)); P(X >= k) = I_{1-p}(k, r).
  const double q = mean / (size + mean);
  return std::clamp(BetaI(static_cast<double>(k), size, q), kTiny, 1.0);
}

std::vector<std::size_t> BenjaminiHochberg(const std::vector<double>& p, double q) {
  std::vector<std::size_t> idx(p.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  const double m = static_cast<double>(p.size());
  std::size_t last = 0;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (p[idx[i]] <= q * static_cast<double>(i + 1) / m) last = i + 1;
  }
  idx.resize(last);
  std::sort(idx.begin(), idx.end());
  return idx;
}

}  // namespace keikai::surge
