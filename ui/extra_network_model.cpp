#include "ui/extra_network_model.h"

#include "ui/preview_thumbnails.h"
#include "ui/prompt_tags.h"

#include <QtGui/QColor>
#include <QtGui/QIcon>
#include <QtGui/QPalette>
#include <QtWidgets/QApplication>

namespace gesso::ui {

namespace {

constexpr int kThumbnailSize = 44;

QString kindLabel(library::Kind kind) {
    return kind == library::Kind::Lora ? QObject::tr("LoRA") : QObject::tr("embedding");
}

} // namespace

ExtraNetworkModel::ExtraNetworkModel(QObject* parent)
    : QAbstractListModel(parent), m_thumbnails(new PreviewThumbnails(kThumbnailSize, this)) {
    connect(m_thumbnails, &PreviewThumbnails::ready, this, [this](const QString& path) {
        for (int row = 0; row < int(m_rows.size()); ++row)
            if (m_networks[m_rows[row]].path == path)
                Q_EMIT dataChanged(index(row), index(row), {Qt::DecorationRole});
    });
}

void ExtraNetworkModel::setNetworks(std::vector<ExtraNetwork> networks) {
    beginResetModel();
    m_networks = std::move(networks);
    m_thumbnails->forgetMissing();
    refilter();
    endResetModel();
}

void ExtraNetworkModel::setCheckpointFamily(const std::string& family) {
    if (family == m_checkpointFamily) return;
    m_checkpointFamily = family;
    if (!m_rows.empty()) Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1));
}

void ExtraNetworkModel::setSearchText(const QString& text) {
    beginResetModel();
    m_words = text.split(' ', Qt::SkipEmptyParts);
    refilter();
    endResetModel();
}

void ExtraNetworkModel::setKind(std::optional<library::Kind> kind) {
    beginResetModel();
    m_kind = kind;
    refilter();
    endResetModel();
}

void ExtraNetworkModel::refilter() {
    m_rows.clear();
    for (int i = 0; i < int(m_networks.size()); ++i) {
        const ExtraNetwork& n = m_networks[i];
        if (m_kind && n.kind != *m_kind) continue;
        bool all = true;
        for (const QString& word : m_words)
            all = all && n.name.contains(word, Qt::CaseInsensitive);
        if (all) m_rows.push_back(i);
    }
}

const ExtraNetwork* ExtraNetworkModel::network(int row) const {
    return row >= 0 && row < int(m_rows.size()) ? &m_networks[m_rows[row]] : nullptr;
}

int ExtraNetworkModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ExtraNetworkModel::data(const QModelIndex& index, int role) const {
    const ExtraNetwork* n = network(index.row());
    if (!n) return {};
    switch (role) {
    case Qt::DisplayRole: {
        QStringList facts{kindLabel(n->kind)};
        if (!n->family.empty()) facts << familyLabel(n->family);
        if (!n->detail.isEmpty() && n->detail != "LoRA") facts << n->detail;
        return n->name + "\n" + facts.join(QString::fromUtf8(" \u00b7 "));
    }
    case Qt::DecorationRole:
        return QIcon(m_thumbnails->thumbnail(n->path));
    case Qt::ForegroundRole:
        if (fits(*n)) return {};
        return QApplication::palette().color(QPalette::Disabled, QPalette::Text);
    case Qt::ToolTipRole: {
        QString tip =
            n->kind == library::Kind::Lora
                ? tr("Click to insert %1").arg("<nobr>" + loraTagText(n->name).toHtmlEscaped() + "</nobr>")
                : tr("Click to insert the trigger word %1").arg(n->name.toHtmlEscaped());
        if (!fits(*n))
            tip += "<br><b>" +
                   tr("Made for %1; the chosen model is %2, which cannot use it.")
                       .arg(familyLabel(n->family), familyLabel(m_checkpointFamily)) +
                   "</b>";
        return tip + "<br><small>" + n->path.toHtmlEscaped() + "</small>";
    }
    case NameRole:
        return n->name;
    case KindRole:
        return int(n->kind);
    case PathRole:
        return n->path;
    case FitsRole:
        return fits(*n);
    default:
        return {};
    }
}

} // namespace gesso::ui
