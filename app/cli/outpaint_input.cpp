#include "outpaint_input.h"

#include "command.h"

#include "core/document/composite.h"
#include "core/document/generation_input.h"
#include "core/document/outpaint_fill.h"
#include "core/runtime/error.h"

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <algorithm>

namespace gesso::cli {

Expansion parseExpansion(const std::string& text) {
    const QStringList parts = QString::fromStdString(text).split(',');
    std::vector<int> values;
    for (const QString& part : parts) {
        bool ok = false;
        const int value = part.trimmed().toInt(&ok);
        if (!ok || value < 0 || value > 8192)
            throw UsageError("--expand: '" + text +
                             "' is not N or LEFT,TOP,RIGHT,BOTTOM (pixels, 0 to 8192)");
        values.push_back(value);
    }
    if (values.size() == 1) return {values[0], values[0], values[0], values[0]};
    if (values.size() != 4)
        throw UsageError("--expand: '" + text + "' is not N or LEFT,TOP,RIGHT,BOTTOM (pixels, 0 to 8192)");
    return {values[0], values[1], values[2], values[3]};
}

OutpaintInput expandForOutpaint(const ImageRgba8& image, const ImageGray8& mask, Expansion e) {
    const auto roundUp = [](int v) { return (v + 7) / 8 * 8; };
    const int width = roundUp(image.width + e.left + e.right),
              height = roundUp(image.height + e.top + e.bottom);
    if (width > 8192 || height > 8192)
        throw Error("the expanded picture would be " + std::to_string(width) + "x" + std::to_string(height) +
                    ", more than 8192 pixels a side");
    ImageRgba8 opaque = image; // the input counts as painted everywhere
    for (size_t i = 3; i < opaque.pixels.size(); i += 4)
        opaque.pixels[i] = 255;
    const document::Rect canvas{-e.left, -e.top, width, height}; // in the input's coordinates
    OutpaintInput input;
    input.canvas = document::crop(opaque, canvas); // transparent around the input
    input.init = document::fillFromEdges(input.canvas);
    input.mask = document::emptyAreaRamp(input.canvas, document::kOutpaintFeather);
    if (!mask.empty()) {
        const ImageGray8 placed = document::crop(mask, canvas);
        for (size_t i = 0; i < input.mask.pixels.size(); ++i)
            input.mask.pixels[i] = std::max(input.mask.pixels[i], placed.pixels[i]);
    }
    return input;
}

ImageRgba8 blendOutpaint(const ImageRgba8& generated, const OutpaintInput& input) {
    ImageRgba8 out = input.init;
    for (size_t i = 0; i < input.mask.pixels.size(); ++i) {
        const int a = input.mask.pixels[i];
        for (int c = 0; c < 3; ++c)
            out.pixels[i * 4 + c] = static_cast<uint8_t>(
                (generated.pixels[i * 4 + c] * a + input.canvas.pixels[i * 4 + c] * (255 - a) + 127) / 255);
        out.pixels[i * 4 + 3] = 255;
    }
    return out;
}

} // namespace gesso::cli
