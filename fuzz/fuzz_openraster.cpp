// libFuzzer target: an OpenRaster archive (.ora, also the container of Gesso projects) on arbitrary bytes:
// the validating zip reader (every entry read), then decodeOpenRaster (mimetype, stack.xml through
// QXmlStreamReader, layer PNGs through OpenImageIO). OpenImageIO/libpng are not instrumented, so coverage
// guidance reaches the zip and stack.xml layers only; the decoders still run under ASan's allocator.
// Any outcome other than a result or a gesso::Error is a finding.
#include "core/imageio/image_codec.h"
#include "core/project/openraster.h"
#include "core/runtime/error.h"
#include "gesso/build_config.h"

#if GESSO_WITH_OPENIMAGEIO
#include <OpenImageIO/imageio.h>
#endif

#include <cstddef>
#include <cstdint>
#include <vector>

// One OpenImageIO thread: its pool's hand-offs made a 2-layer decode take 40 s of wall time (0.1 s of CPU)
// when the niced fuzzer shares a busy machine, i.e. spurious timeouts. The first decode, which loads the
// format plugins, is done here, outside libFuzzer's per-input timeout.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
#if GESSO_WITH_OPENIMAGEIO
    OIIO::attribute("threads", 1);
#endif
    const auto png = gesso::imageio::encodePng(gesso::ImageRgba8::filled(1, 1, 0, 0, 0, 255));
    (void)gesso::imageio::decodeImage(png, "png", "warm-up");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace gesso;
    // Smaller limits than the defaults (1 GiB entries, 256 Mpx images) so that a forged size costs
    // milliseconds, not seconds; the checks themselves are the same code.
    project::ZipLimits zipLimits;
    zipLimits.maxEntrySize = uint64_t(16) << 20;
    zipLimits.maxTotalSize = uint64_t(64) << 20;
    imageio::ImageLimits imageLimits;
    imageLimits.maxWidth = 2048;
    imageLimits.maxHeight = 2048;
    imageLimits.maxPixels = int64_t(1) << 20;
    try {
        const project::ZipReader archive(std::vector<uint8_t>(data, data + size), "fuzz.ora", zipLimits);
        for (const auto& name : archive.names()) {
            try {
                (void)archive.read(name);
            } catch (const Error&) {
            }
        }
        const auto image = project::decodeOpenRaster(archive, imageLimits);
        if (image.width <= 0 || image.height <= 0) __builtin_trap();
        for (const auto& layer : image.layers)
            if (layer.image.pixels.size() != static_cast<size_t>(layer.image.width) * layer.image.height * 4)
                __builtin_trap();
    } catch (const Error&) {
    }
    return 0;
}
