#pragma once
// Composited canvas tiles for fast panning and zooming: level 0 tiles hold 256x256 document pixels
// (layers composited, mask overlay blended in when visible); level L tiles cover 256 << L document pixels
// downscaled 2^L times, built from the four level L-1 tiles below them, so an edit re-composites only the
// level-0 tiles it touched. GUI thread only.
#include "core/document/document.h"

#include <QtCore/QHash>
#include <QtGui/QColor>
#include <QtGui/QImage>

namespace gesso::ui {

class TileCache {
public:
    static constexpr int kTileSize = 256;

    void setDocument(const document::Document* document);
    // The tile's image and the document rectangle it covers (clipped to the canvas). Premultiplied ARGB32.
    QImage tile(int level, int tileX, int tileY, document::Rect* covers = nullptr);
    document::Rect tileRect(int level, int tileX, int tileY) const;
    // Drops every level's tiles intersecting `rect` (document pixels).
    void invalidate(const document::Rect& rect);
    void clear() { m_tiles.clear(); }
    void setMaskOverlay(bool visible);
    bool maskOverlay() const { return m_maskVisible; }
    int size() const { return static_cast<int>(m_tiles.size()); }
    int rendered() const { return m_rendered; } // level-0 composites done so far (tests, profiling)

private:
    static quint64 key(int level, int x, int y) {
        return (quint64(level) << 56) | (quint64(quint32(x) & 0xffffff) << 28) |
               quint64(quint32(y) & 0xfffffff);
    }
    QImage renderBase(const document::Rect& rect);

    const document::Document* m_document = nullptr;
    QHash<quint64, QImage> m_tiles;
    bool m_maskVisible = true;
    int m_rendered = 0;
};

} // namespace gesso::ui
