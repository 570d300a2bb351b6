#include "body_crc.h"

#include <zlib.h>

#include "quiver/protocol/message_record.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define COMMITLOG_HAVE_PCLMUL_CRC 1
#endif

namespace quiver::storage::commitlog {
namespace {

#if COMMITLOG_HAVE_PCLMUL_CRC
#define COMMITLOG_PCLMUL __attribute__((target("pclmul,sse4.1")))

COMMITLOG_PCLMUL inline __m128i Load(const std::uint8_t* q) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
}
// x.lo * k.lo ^ x.hi * k.hi: advances a 128-bit lane by the distance the constant encodes.
COMMITLOG_PCLMUL inline __m128i Fold(__m128i x, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

// CRC-32 (IEEE 802.3, bit-reflected, the CRC of zlib and of RocketMQ's BODYCRC) of `len`
// bytes, continuing the pre-inverted state `state` (~crc). REQUIRES: len >= 64,
// len % 16 == 0, a CPU with PCLMULQDQ and SSE4.1. The fold and Barrett constants are the
// bit-reflected ones given at the end of the Intel paper for this polynomial.
COMMITLOG_PCLMUL std::uint32_t FoldPclmul(const std::uint8_t* p, std::size_t len,
                                          std::uint32_t state) {
  alignas(16) static const std::uint64_t kK1K2[2] = {0x0154442bd4, 0x01c6e41596};  // 4x128 fold
  alignas(16) static const std::uint64_t kK3K4[2] = {0x01751997d0, 0x00ccaa009e};  // 128 fold
  alignas(16) static const std::uint64_t kK5K0[2] = {0x0163cd6124, 0x0000000000};  // 96 -> 64
  alignas(16) static const std::uint64_t kPoly[2] = {0x01db710641, 0x01f7011641};  // P', mu
  __m128i x1 = _mm_xor_si128(Load(p), _mm_cvtsi32_si128(static_cast<int>(state)));
  __m128i x2 = Load(p + 16);
  __m128i x3 = Load(p + 32);
  __m128i x4 = Load(p + 48);
  p += 64;
  len -= 64;
  // Four lanes, 64 bytes per step.
  __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(kK1K2));
  while (len >= 64) {
    x1 = _mm_xor_si128(Fold(x1, k), Load(p));
    x2 = _mm_xor_si128(Fold(x2, k), Load(p + 16));
    x3 = _mm_xor_si128(Fold(x3, k), Load(p + 32));
    x4 = _mm_xor_si128(Fold(x4, k), Load(p + 48));
    p += 64;
    len -= 64;
  }
  // Four lanes into one, then the remaining 16-byte blocks.
  k = _mm_load_si128(reinterpret_cast<const __m128i*>(kK3K4));
  x1 = _mm_xor_si128(Fold(x1, k), x2);
  x1 = _mm_xor_si128(Fold(x1, k), x3);
  x1 = _mm_xor_si128(Fold(x1, k), x4);
  while (len >= 16) {
    x1 = _mm_xor_si128(Fold(x1, k), Load(p));
    p += 16;
    len -= 16;
  }
  // 128 bits to 64.
  const __m128i mask32 = _mm_setr_epi32(~0, 0, ~0, 0);
  x2 = _mm_clmulepi64_si128(x1, k, 0x10);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
  k = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kK5K0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k, 0x00), x2);
  // Barrett reduction to 32 bits.
  k = _mm_load_si128(reinterpret_cast<const __m128i*>(kPoly));
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k, 0x10);
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, mask32), k, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  return static_cast<std::uint32_t>(_mm_extract_epi32(x1, 1));
}

bool CpuHasPclmul() {
  static const bool has = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return has;
}
#endif

}  // namespace

std::int32_t BodyCrc(std::span<const std::uint8_t> body) {
#if COMMITLOG_HAVE_PCLMUL_CRC
  if (body.size() >= 64 && CpuHasPclmul()) {
    const std::size_t folded = body.size() & ~std::size_t{15};
    std::uint32_t crc = ~FoldPclmul(body.data(), folded, ~std::uint32_t{0});
    // The tail (< 16 bytes) continues with zlib, which takes and returns the plain crc.
    crc = static_cast<std::uint32_t>(
        crc32_z(crc, body.data() + folded, static_cast<z_size_t>(body.size() - folded)));
    return static_cast<std::int32_t>(crc & 0x7FFFFFFFu);
  }
#endif
  return protocol::BodyCrc(body);
}

}  // namespace quiver::storage::commitlog
