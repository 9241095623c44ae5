#include "core/project/compositing.h"

#include <algorithm>
#include <cmath>

namespace gesso::project {
namespace {

// Krita's KoColorSpaceMaths<quint8> primitives (libs/pigment/KoColorSpaceMaths.h).
inline uint8_t mul(uint32_t a, uint32_t b) {
    const uint32_t c = a * b + 0x80u;
    return static_cast<uint8_t>(((c >> 8) + c) >> 8);
}
inline uint8_t divide(uint32_t a, uint32_t b) {
    const uint32_t c = (a * 255u + (b / 2u)) / b;
    return static_cast<uint8_t>(std::min<uint32_t>(c, 255u));
}
inline uint8_t blend(int a, int b, int alpha) {
    int c = (a - b) * alpha + 0x80;
    c = ((c >> 8) + c) >> 8;
    return static_cast<uint8_t>(c + b);
}

} // namespace

uint8_t opacityToByte(double opacity) {
    if (!(opacity > 0.0)) return 0;
    if (opacity >= 1.0) return 255;
    // Krita's OpenRaster loader: setOpacity(int(opacity * 255)), a truncation (0.5 -> 127, 0.7 -> 178).
    return static_cast<uint8_t>(static_cast<int>(opacity * 255.0));
}

void compositeOver(ImageRgba8& dst, const ImageRgba8& src, int x, int y, uint8_t opacity) {
    if (opacity == 0 || src.empty() || dst.empty()) return;
    const int x0 = std::max(0, x), y0 = std::max(0, y);
    const int x1 = std::min(dst.width, x + src.width), y1 = std::min(dst.height, y + src.height);
    for (int py = y0; py < y1; ++py) {
        for (int px = x0; px < x1; ++px) {
            const uint8_t* s = src.pixel(px - x, py - y);
            uint8_t* d = dst.pixel(px, py);
            // KoCompositeOpAlphaBase::composite with KoCompositeOpOver::composeColorChannels.
            uint8_t srcAlpha = s[3];
            if (opacity != 255) srcAlpha = mul(srcAlpha, opacity);
            if (srcAlpha == 0) continue;
            const uint8_t dstAlpha = d[3];
            uint8_t srcBlend;
            if (dstAlpha == 255) {
                srcBlend = srcAlpha;
            } else if (dstAlpha == 0) {
                d[3] = srcAlpha;
                srcBlend = 255;
            } else {
                const uint8_t newAlpha = static_cast<uint8_t>(dstAlpha + mul(255u - dstAlpha, srcAlpha));
                d[3] = newAlpha;
                srcBlend = divide(srcAlpha, newAlpha);
            }
            if (srcBlend == 255) {
                d[0] = s[0], d[1] = s[1], d[2] = s[2];
            } else {
                for (int c = 0; c < 3; ++c)
                    d[c] = blend(s[c], d[c], srcBlend);
            }
        }
    }
}

ImageRgba8 flatten(const OraImage& image) {
    ImageRgba8 canvas = ImageRgba8::filled(image.width, image.height, 0, 0, 0, 0);
    for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it)
        if (it->visible) compositeOver(canvas, it->image, it->x, it->y, opacityToByte(it->opacity));
    return canvas;
}

ImageRgba8 scaleToFit(const ImageRgba8& image, int maxSide) {
    if (image.empty() || (image.width <= maxSide && image.height <= maxSide)) return image;
    const double scale = static_cast<double>(maxSide) / std::max(image.width, image.height);
    const int width = std::max(1, static_cast<int>(std::lround(image.width * scale)));
    const int height = std::max(1, static_cast<int>(std::lround(image.height * scale)));
    ImageRgba8 out = ImageRgba8::filled(width, height, 0, 0, 0, 0);
    for (int oy = 0; oy < height; ++oy) {
        const int sy0 = static_cast<int>(static_cast<int64_t>(oy) * image.height / height);
        const int sy1 =
            std::max(sy0 + 1, static_cast<int>(static_cast<int64_t>(oy + 1) * image.height / height));
        for (int ox = 0; ox < width; ++ox) {
            const int sx0 = static_cast<int>(static_cast<int64_t>(ox) * image.width / width);
            const int sx1 =
                std::max(sx0 + 1, static_cast<int>(static_cast<int64_t>(ox + 1) * image.width / width));
            double sum[4] = {0, 0, 0, 0};
            for (int sy = sy0; sy < sy1; ++sy)
                for (int sx = sx0; sx < sx1; ++sx) {
                    const uint8_t* p = image.pixel(sx, sy);
                    for (int c = 0; c < 3; ++c)
                        sum[c] += p[c] * p[3];
                    sum[3] += p[3];
                }
            uint8_t* d = out.pixel(ox, oy);
            const double count = static_cast<double>(sy1 - sy0) * (sx1 - sx0);
            if (sum[3] > 0)
                for (int c = 0; c < 3; ++c)
                    d[c] = static_cast<uint8_t>(std::lround(sum[c] / sum[3]));
            d[3] = static_cast<uint8_t>(std::lround(sum[3] / count));
        }
    }
    return out;
}

} // namespace gesso::project
