// The inventory snapshot file (discover::decode_snapshot): written by nvrunc itself in a root-only
// directory, but read on every create, so a damaged or truncated file must only ever mean "no
// snapshot".
// Input: the file's bytes.
// Properties: anything but a complete snapshot is refused, never a crash, an exception or a read out
// of bounds; counts never outgrow the bytes; an accepted file is the canonical encoding of what was
// decoded (encode(decode(b)) == b), so no two files mean the same snapshot.
#include "fuzz_util.hpp"
#include "nvrunc/discover/snapshot.hpp"

using namespace nvrunc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = fuzz::as_text(data, size);
  auto snapshot = discover::decode_snapshot(bytes);
  if (!snapshot) return 0;
  fuzz::expect(snapshot->observations.size() <= size && snapshot->inventory.gpus.size() <= size,
               "no more items than bytes");
  fuzz::expect(discover::encode_snapshot(*snapshot) == bytes, "an accepted file is the canonical encoding");
  return 0;
}
