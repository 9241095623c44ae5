#pragma once
#include <QtCore/QtGlobal>

#include <filesystem>

namespace gesso::download {

// Bytes free for this user on the file system that holds `folder` (or its nearest existing ancestor);
// -1 when that cannot be told.
qint64 freeBytes(const std::filesystem::path& folder);

// Throws gesso::Error ("needs 4.3 GB free in DIR, 1.2 GB are") when `bytes` more do not fit in `folder`.
// Passes when the free space cannot be told: the write itself will then report a full disk.
void requireFreeSpace(const std::filesystem::path& folder, qint64 bytes);

} // namespace gesso::download
