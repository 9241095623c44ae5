#include "ui/image_convert.h"

#include <cstring>

namespace gesso::ui {

QImage toQImage(const ImageRgba8& image) {
    if (image.empty()) return {};
    QImage out(image.width, image.height, QImage::Format_RGBA8888);
    for (int y = 0; y < image.height; ++y)
        std::memcpy(out.scanLine(y), image.pixels.data() + static_cast<size_t>(y) * image.width * 4,
                    static_cast<size_t>(image.width) * 4);
    return out;
}

ImageRgba8 fromQImage(const QImage& source) {
    if (source.isNull()) return {};
    QImage image = source.convertToFormat(QImage::Format_RGBA8888);
    ImageRgba8 out{image.width(), image.height(),
                   std::vector<uint8_t>(static_cast<size_t>(image.width()) * image.height() * 4)};
    for (int y = 0; y < image.height(); ++y)
        std::memcpy(out.pixels.data() + static_cast<size_t>(y) * image.width() * 4, image.constScanLine(y),
                    static_cast<size_t>(image.width()) * 4);
    return out;
}

} // namespace gesso::ui
