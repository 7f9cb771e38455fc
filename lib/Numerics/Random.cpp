//===- Random.cpp - Counter-based random bits (SPEC 2.4) ------------------===//
//
// The stochastic-rounding generator: SplitMix64 keyed by (seed, element
// index). Being counter based, every element's bits can be drawn
// independently, in any order, on any target.
//
//===----------------------------------------------------------------------===//

#include "FP4Dialect/Numerics/Numerics.h"

uint32_t fp4::num::randomBits(uint64_t seed, uint64_t index) {
  // All arithmetic is modulo 2^64 (unsigned wrap-around).
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z = z ^ (z >> 31);
  return static_cast<uint32_t>(z >> 40); // The top 24 bits.
}
