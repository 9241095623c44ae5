#pragma once
// The prompt dock's message line for errors and notes. Its height is fixed and its width is whatever the
// dock gives it, so a message of any length never moves, squashes or widens anything: the text wraps within
// the width (anywhere in a long path, not only between words) and is elided after kLines lines. The full
// text is in the tooltip, and the context menu's "Copy" puts it on the clipboard. Hidden, the line keeps its
// place in the layout, so showing a message moves nothing either. GUI thread only.
#include <QtWidgets/QLabel>

class QAction;

namespace gesso::ui {

class MessageBanner : public QLabel {
    Q_OBJECT
public:
    static constexpr int kLines = 2; // the dock's height is precious: the rest is in the tooltip and Copy

    explicit MessageBanner(QWidget* parent = nullptr);

    void showMessage(const QString& text, bool error);
    bool isError() const { return m_error; }
    QAction* copyAction() const { return m_copy; }

    // The lines drawn for `text` in `width` pixels: at most `maxLines`, the last elided when more would be
    // needed. Line breaks in the text are kept.
    static QStringList visibleLines(const QString& text, const QFont& font, int width, int maxLines);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QRect textRect() const;

    bool m_error = false;
    QAction* m_copy = nullptr;
};

} // namespace gesso::ui
