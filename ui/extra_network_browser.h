#pragma once
// "LoRAs & embeddings" in the prompt dock: the library's LoRA and embedding files with their previews, a
// search field and a kind filter. Clicking a file (or Enter on it) asks for it to be inserted into the
// prompt; files made for another family than the chosen model's are dimmed. GUI thread only.
#include "ui/extra_networks.h"

#include <QtWidgets/QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;

namespace gesso::ui {

class ExtraNetworkModel;

class ExtraNetworkBrowser : public QWidget {
    Q_OBJECT
public:
    explicit ExtraNetworkBrowser(QWidget* parent = nullptr);

    void setNetworks(std::vector<ExtraNetwork> networks);
    void setCheckpointFamily(const std::string& family);

    ExtraNetworkModel* model() const { return m_model; }
    QListView* view() const { return m_view; }
    QLineEdit* searchField() const { return m_search; }
    QComboBox* kindFilter() const { return m_kind; }

Q_SIGNALS:
    void insertRequested(const gesso::ui::ExtraNetwork& network);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refreshCount();
    void requestInsert(int row);

    ExtraNetworkModel* m_model = nullptr;
    QListView* m_view = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_kind = nullptr;
    QLabel* m_count = nullptr;
};

} // namespace gesso::ui
