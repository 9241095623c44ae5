#pragma once
// Preview pictures of LoRAs and embeddings where A1111 and Civitai put them, beside the file:
// <stem>.preview.png, <stem>.png, <stem>.preview.jpg, <stem>.jpg, <stem>.preview.webp, <stem>.webp (webp when
// this Qt reads it). Looked up and decoded on a background thread, scaled, and kept: the first call for a
// file returns the placeholder and `ready` follows once its picture (or the lack of one) is known.
// GUI thread only; the destructor waits for the picture being decoded, if any.
#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QSet>
#include <QtCore/QThreadPool>
#include <QtGui/QPixmap>

namespace gesso::ui {

class PreviewThumbnails : public QObject {
    Q_OBJECT
public:
    explicit PreviewThumbnails(int size, QObject* parent = nullptr);
    ~PreviewThumbnails() override;

    // The picture beside `modelPath`, or the placeholder (also while it is being looked up).
    QPixmap thumbnail(const QString& modelPath);
    bool hasPreview(const QString& modelPath) const; // known to have one (decoded)
    const QPixmap& placeholder() const { return m_placeholder; }
    // Files found without a picture are looked at again on their next thumbnail() (the library changed).
    void forgetMissing();

    // The candidate files in A1111's order; the first that exists and decodes wins.
    static QStringList candidates(const QString& modelPath);

Q_SIGNALS:
    void ready(const QString& modelPath);

private:
    void finished(const QString& modelPath, const QImage& image);

    int m_size;
    QPixmap m_placeholder;
    QHash<QString, QPixmap> m_done; // null pixmap: no preview
    QSet<QString> m_pending;
    QThreadPool m_pool;
};

} // namespace gesso::ui
