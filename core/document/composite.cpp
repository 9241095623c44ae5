#include "core/document/composite.h"

#include "core/document/document.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gesso::document {

ImageRgba8 compositeLayers(const std::vector<Layer>& layers, Rect rect) {
    ImageRgba8 out{
        rect.width, rect.height,
        std::vector<uint8_t>(static_cast<size_t>(std::max(0, rect.width)) * std::max(0, rect.height) * 4, 0)};
    if (rect.empty()) return out;
    // Premultiplied float accumulator: exact source-over, converted back to straight alpha once at the end.
    std::vector<float> acc(static_cast<size_t>(rect.width) * rect.height * 4, 0.0f);
    constexpr float inv255 = 1.0f / 255.0f;
    for (const Layer& layer : layers) {
        if (!layer.visible || layer.opacity <= 0.0 || layer.pixels.empty()) continue;
        Rect area = layer.bounds().intersected(rect);
        if (area.empty()) continue;
        const float opacity = static_cast<float>(layer.opacity) * inv255;
        for (int y = area.y; y < area.bottom(); ++y) {
            const uint8_t* src = layer.pixels.pixel(area.x - layer.offsetX, y - layer.offsetY);
            float* dst = acc.data() + (static_cast<size_t>(y - rect.y) * rect.width + (area.x - rect.x)) * 4;
            for (int x = 0; x < area.width; ++x, src += 4, dst += 4) {
                if (src[3] == 0) continue;
                float a = src[3] * opacity;
                float keep = 1.0f - a;
                dst[0] = src[0] * inv255 * a + dst[0] * keep;
                dst[1] = src[1] * inv255 * a + dst[1] * keep;
                dst[2] = src[2] * inv255 * a + dst[2] * keep;
                dst[3] = a + dst[3] * keep;
            }
        }
    }
    const float* a = acc.data();
    uint8_t* o = out.pixels.data();
    for (size_t i = 0; i < out.pixels.size(); i += 4) {
        float alpha = a[i + 3];
        if (alpha <= 0.0f) continue;
        float scale = 255.0f / alpha;
        for (int c = 0; c < 3; ++c)
            o[i + c] = static_cast<uint8_t>(std::clamp(a[i + c] * scale + 0.5f, 0.0f, 255.0f));
        o[i + 3] = static_cast<uint8_t>(std::clamp(alpha * 255.0f + 0.5f, 0.0f, 255.0f));
    }
    return out;
}

ImageRgba8 composite(const Document& document, Rect rect) {
    return compositeLayers(document.layers(), rect);
}

ImageRgba8 flattenOnto(const ImageRgba8& image, uint8_t r, uint8_t g, uint8_t b) {
    ImageRgba8 out = image;
    const uint8_t bg[3] = {r, g, b};
    for (size_t i = 0; i < out.pixels.size(); i += 4) {
        int a = out.pixels[i + 3];
        for (int c = 0; c < 3; ++c)
            out.pixels[i + c] = static_cast<uint8_t>((out.pixels[i + c] * a + bg[c] * (255 - a) + 127) / 255);
        out.pixels[i + 3] = 255;
    }
    return out;
}

namespace {

template <typename Image, int Channels> Image cropImpl(const Image& image, Rect rect) {
    Image out{rect.width, rect.height,
              std::vector<uint8_t>(
                  static_cast<size_t>(std::max(0, rect.width)) * std::max(0, rect.height) * Channels, 0)};
    Rect area = rect.intersected({0, 0, image.width, image.height});
    for (int y = area.y; y < area.bottom(); ++y)
        std::memcpy(out.pixels.data() +
                        (static_cast<size_t>(y - rect.y) * rect.width + (area.x - rect.x)) * Channels,
                    image.pixels.data() + (static_cast<size_t>(y) * image.width + area.x) * Channels,
                    static_cast<size_t>(area.width) * Channels);
    return out;
}

// Separable resampling with a triangle filter whose support widens when shrinking (so it averages areas).
template <typename Image, int Channels> Image resizeImpl(const Image& image, int width, int height) {
    if (image.width == width && image.height == height) return image;
    Image out{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * Channels, 0)};
    if (image.empty() || width <= 0 || height <= 0) return out;
    struct Tap {
        int index;
        float weight;
    };
    auto taps = [](int srcSize, int dstSize) {
        std::vector<std::vector<Tap>> all(dstSize);
        float scale = static_cast<float>(srcSize) / dstSize;
        float support = std::max(1.0f, scale);
        for (int i = 0; i < dstSize; ++i) {
            float center = (i + 0.5f) * scale - 0.5f;
            int lo = static_cast<int>(std::floor(center - support)),
                hi = static_cast<int>(std::ceil(center + support));
            float sum = 0.0f;
            for (int j = lo; j <= hi; ++j) {
                float w = 1.0f - std::abs(j - center) / support;
                if (w <= 0.0f) continue;
                all[i].push_back({std::clamp(j, 0, srcSize - 1), w});
                sum += w;
            }
            for (Tap& t : all[i])
                t.weight /= sum;
        }
        return all;
    };
    auto xTaps = taps(image.width, width), yTaps = taps(image.height, height);
    std::vector<float> rows(static_cast<size_t>(image.height) * width * Channels);
    for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < Channels; ++c) {
                float v = 0.0f;
                for (const Tap& t : xTaps[x])
                    v += t.weight *
                         image.pixels[(static_cast<size_t>(y) * image.width + t.index) * Channels + c];
                rows[(static_cast<size_t>(y) * width + x) * Channels + c] = v;
            }
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < Channels; ++c) {
                float v = 0.0f;
                for (const Tap& t : yTaps[y])
                    v += t.weight * rows[(static_cast<size_t>(t.index) * width + x) * Channels + c];
                out.pixels[(static_cast<size_t>(y) * width + x) * Channels + c] =
                    static_cast<uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
            }
    return out;
}

} // namespace

ImageRgba8 crop(const ImageRgba8& image, Rect rect) {
    return cropImpl<ImageRgba8, 4>(image, rect);
}
ImageGray8 crop(const ImageGray8& image, Rect rect) {
    return cropImpl<ImageGray8, 1>(image, rect);
}
ImageRgba8 resized(const ImageRgba8& image, int width, int height) {
    return resizeImpl<ImageRgba8, 4>(image, width, height);
}
ImageGray8 resized(const ImageGray8& image, int width, int height) {
    return resizeImpl<ImageGray8, 1>(image, width, height);
}

} // namespace gesso::document
