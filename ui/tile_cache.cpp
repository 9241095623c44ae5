#include "ui/tile_cache.h"

#include "core/document/composite.h"
#include "ui/image_convert.h"

#include <QtGui/QPainter>

namespace gesso::ui {

namespace {
// Mask overlay: a translucent red, strong enough to see on any paint, weak enough to see through.
constexpr int kMaskR = 255, kMaskG = 30, kMaskB = 60;
constexpr double kMaskAlpha = 0.45;
constexpr int kMaxTiles = 1200; // ~300 MiB of 256x256 ARGB32; the cache restarts beyond that
} // namespace

void TileCache::setDocument(const document::Document* document) {
    m_document = document;
    m_tiles.clear();
}

void TileCache::setMaskOverlay(bool visible) {
    if (visible == m_maskVisible) return;
    m_maskVisible = visible;
    m_tiles.clear();
}

document::Rect TileCache::tileRect(int level, int tileX, int tileY) const {
    if (!m_document) return {};
    int span = kTileSize << level;
    return document::Rect{tileX * span, tileY * span, span, span}.intersected(m_document->bounds());
}

void TileCache::invalidate(const document::Rect& rect) {
    if (rect.empty() || m_tiles.isEmpty()) return;
    for (auto it = m_tiles.begin(); it != m_tiles.end();) {
        int level = int(it.key() >> 56);
        int x = int((it.key() >> 28) & 0xfffffff), y = int(it.key() & 0xfffffff);
        int span = kTileSize << level;
        if (!document::Rect{x * span, y * span, span, span}.intersected(rect).empty())
            it = m_tiles.erase(it);
        else
            ++it;
    }
}

QImage TileCache::renderBase(const document::Rect& rect) {
    ++m_rendered;
    ImageRgba8 pixels = document::composite(*m_document, rect);
    if (m_maskVisible) {
        const auto& mask = m_document->mask();
        for (int y = 0; y < rect.height; ++y) {
            const uint8_t* m = mask.pixels.data() + static_cast<size_t>(rect.y + y) * mask.width + rect.x;
            uint8_t* p = pixels.pixel(0, y);
            for (int x = 0; x < rect.width; ++x, p += 4) {
                if (!m[x]) continue;
                double a = m[x] / 255.0 * kMaskAlpha, da = p[3] / 255.0;
                double outA = a + da * (1.0 - a);
                const int overlay[3] = {kMaskR, kMaskG, kMaskB};
                for (int c = 0; c < 3; ++c)
                    p[c] = uint8_t((overlay[c] * a + p[c] * da * (1.0 - a)) / outA + 0.5);
                p[3] = uint8_t(outA * 255.0 + 0.5);
            }
        }
    }
    return toQImage(pixels).convertToFormat(QImage::Format_ARGB32_Premultiplied);
}

QImage TileCache::tile(int level, int tileX, int tileY, document::Rect* covers) {
    document::Rect rect = tileRect(level, tileX, tileY);
    if (covers) *covers = rect;
    if (rect.empty()) return {};
    quint64 k = key(level, tileX, tileY);
    auto found = m_tiles.constFind(k);
    if (found != m_tiles.constEnd()) return found.value();
    if (m_tiles.size() > kMaxTiles) m_tiles.clear();

    QImage image;
    if (level == 0) {
        image = renderBase(rect);
    } else {
        // Mosaic of the four children at half this level's scale, then one 2x smooth downscale.
        int childScale = 1 << (level - 1);
        QImage mosaic((rect.width + childScale - 1) / childScale, (rect.height + childScale - 1) / childScale,
                      QImage::Format_ARGB32_Premultiplied);
        mosaic.fill(Qt::transparent);
        QPainter painter(&mosaic);
        painter.setCompositionMode(QPainter::CompositionMode_Source);
        for (int j = 0; j < 2; ++j)
            for (int i = 0; i < 2; ++i) {
                document::Rect childRect;
                QImage child = tile(level - 1, tileX * 2 + i, tileY * 2 + j, &childRect);
                if (child.isNull()) continue;
                painter.drawImage(
                    QPoint((childRect.x - rect.x) / childScale, (childRect.y - rect.y) / childScale), child);
            }
        painter.end();
        int scale = 1 << level;
        image = mosaic.scaled(std::max(1, (rect.width + scale - 1) / scale),
                              std::max(1, (rect.height + scale - 1) / scale), Qt::IgnoreAspectRatio,
                              Qt::SmoothTransformation);
    }
    m_tiles.insert(k, image);
    return image;
}

} // namespace gesso::ui
