#pragma once
// The browser's list of LoRAs and embeddings: a search text (every word must appear in the name, any case)
// and a kind filter choose the rows; files made for another family than the chosen checkpoint's are dimmed
// with a tooltip that says why; thumbnails come from PreviewThumbnails as they load. GUI thread.
#include "ui/extra_networks.h"

#include <QtCore/QAbstractListModel>

#include <optional>
#include <vector>

namespace gesso::ui {

class PreviewThumbnails;

class ExtraNetworkModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { NameRole = Qt::UserRole + 1, KindRole, PathRole, FitsRole };

    explicit ExtraNetworkModel(QObject* parent = nullptr);

    void setNetworks(std::vector<ExtraNetwork> networks);
    void setCheckpointFamily(const std::string& family);
    void setSearchText(const QString& text);
    void setKind(std::optional<library::Kind> kind); // nullopt: LoRAs and embeddings
    const ExtraNetwork* network(int row) const;
    int totalCount() const { return int(m_networks.size()); }
    PreviewThumbnails* thumbnails() const { return m_thumbnails; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    void refilter();
    bool fits(const ExtraNetwork& n) const { return familyFits(n.family, m_checkpointFamily); }

    std::vector<ExtraNetwork> m_networks;
    std::vector<int> m_rows; // indices into m_networks that pass the filter
    std::string m_checkpointFamily;
    QStringList m_words;
    std::optional<library::Kind> m_kind;
    PreviewThumbnails* m_thumbnails = nullptr;
};

} // namespace gesso::ui
