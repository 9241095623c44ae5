#pragma once
// Gesso's name tables (core/generation) hold std::string_view; widgets show QString.
#include <QtCore/QString>

#include <string_view>

namespace gesso::ui {

inline QString fromView(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

} // namespace gesso::ui
