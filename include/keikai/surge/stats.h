#pragma once
// Count-test tails for surge detection: Poisson and negative-binomial upper tails through the
// regularised incomplete gamma and beta functions, and Benjamini-Hochberg selection. Pure
// functions; thread-safe. Accurate to ~1e-10 relative in the range surge detection uses; tails
// below 1e-300 are returned as 1e-300.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keikai::surge {

// Regularised lower incomplete gamma P(a, x), a > 0, x >= 0.
double GammaP(double a, double x);
// Regularised incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1.
double BetaI(double a, double b, double x);

// P(X >= k) for X ~ Poisson(mean).
double PoissonUpperTail(uint64_t k, double mean);
// P(X >= k) for X ~ NegativeBinomial with the given mean and size r (variance mean + mean²/r).
// r = +inf (or <= 0 meaning "no overdispersion") falls back to Poisson.
double NegBinUpperTail(uint64_t k, double mean, double size);

// Benjamini-Hochberg at level q: returns the indexes of p whose null is rejected.
std::vector<std::size_t> BenjaminiHochberg(const std::vector<double>& p, double q);

}  // namespace keikai::surge
