#include "core/library/library_index.h"

#include "core/runtime/error.h"

#include <QtCore/QDir>
#include <QtCore/QStandardPaths>
#include <QtCore/QVariant>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <atomic>

namespace gesso::library {

namespace fs = std::filesystem;

namespace {

constexpr int kSchemaVersion = 1;

const char* kCreateModels = R"(CREATE TABLE IF NOT EXISTS models (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    kind TEXT NOT NULL, family TEXT NOT NULL, format TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
    source TEXT NOT NULL, origin TEXT NOT NULL, sha256 TEXT NOT NULL, addnet_sha256 TEXT NOT NULL))";
const char* kCreateRoots = R"(CREATE TABLE IF NOT EXISTS roots (
    path TEXT PRIMARY KEY, origin TEXT NOT NULL, added INTEGER NOT NULL))";
const char* kColumns =
    "path, size, mtime_ns, kind, family, format, reason, detail, source, origin, sha256, addnet_sha256";

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

std::string s(const QVariant& v) {
    return v.toString().toStdString();
}

LibraryEntry rowToEntry(const QSqlQuery& query) {
    LibraryEntry e;
    e.path = s(query.value(0));
    e.stamp = {query.value(1).toLongLong(), query.value(2).toLongLong()};
    e.info.kind = kindFromName(s(query.value(3))).value_or(Kind::Unknown);
    e.info.family = s(query.value(4));
    e.info.format = formatFromName(s(query.value(5))).value_or(Format::Unknown);
    e.info.reason = s(query.value(6));
    e.info.detail = s(query.value(7));
    e.source = {s(query.value(8)), s(query.value(9))};
    e.hashes = {s(query.value(10)), s(query.value(11))};
    return e;
}

} // namespace

LibraryIndex::LibraryIndex(const fs::path& file) : m_file(file) {
    static std::atomic<int> counter{0};
    m_connection = "gesso-library-" + std::to_string(counter++);
    std::error_code ec;
    if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
    QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", q(m_connection));
    if (!db.isValid())
        throw Error("cannot open the model index '" + file.string() +
                    "': Qt's SQLite driver is missing (Debian: libqt6sql6-sqlite)");
    db.setDatabaseName(q(file.string()));
    // The GUI, its hashing thread and gesso-cli may use the same file at once: wait for each other's writes.
    db.setConnectOptions("QSQLITE_BUSY_TIMEOUT=10000");
    if (!db.open())
        throw Error("cannot open the model index '" + file.string() +
                    "': " + db.lastError().text().toStdString());
    exec("PRAGMA synchronous = NORMAL");
    int found = 0;
    {
        QSqlQuery version("PRAGMA user_version", db);
        if (version.next()) found = version.value(0).toInt();
    }
    if (found != kSchemaVersion) {
        exec("DROP TABLE IF EXISTS models"); // a cache: rebuilt from the files
        exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
    }
    exec(kCreateModels);
    exec(kCreateRoots);
}

LibraryIndex::~LibraryIndex() {
    {
        QSqlDatabase db = QSqlDatabase::database(q(m_connection), false);
        db.close();
    }
    QSqlDatabase::removeDatabase(q(m_connection));
}

void LibraryIndex::exec(const std::string& sql) const {
    QSqlQuery query(QSqlDatabase::database(q(m_connection), false));
    if (!query.exec(q(sql)))
        throw Error("model index '" + m_file.string() + "': " + query.lastError().text().toStdString());
}

std::vector<LibraryEntry> LibraryIndex::entries() const {
    QSqlQuery query(QSqlDatabase::database(q(m_connection), false));
    query.setForwardOnly(true);
    if (!query.exec(q(std::string("SELECT ") + kColumns + " FROM models ORDER BY path")))
        throw Error("model index '" + m_file.string() + "': " + query.lastError().text().toStdString());
    std::vector<LibraryEntry> out;
    while (query.next())
        out.push_back(rowToEntry(query));
    return out;
}

std::optional<LibraryEntry> LibraryIndex::find(const fs::path& path) const {
    QSqlQuery query(QSqlDatabase::database(q(m_connection), false));
    query.prepare(q(std::string("SELECT ") + kColumns + " FROM models WHERE path = ?"));
    query.addBindValue(q(path.string()));
    if (!query.exec())
        throw Error("model index '" + m_file.string() + "': " + query.lastError().text().toStdString());
    if (!query.next()) return std::nullopt;
    return rowToEntry(query);
}

void LibraryIndex::put(const std::vector<LibraryEntry>& entries) {
    if (entries.empty()) return;
    QSqlDatabase db = QSqlDatabase::database(q(m_connection), false);
    db.transaction();
    QSqlQuery query(db);
    query.prepare(q(std::string("INSERT OR REPLACE INTO models (") + kColumns +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const LibraryEntry& e : entries) {
        query.addBindValue(q(e.path.string()));
        query.addBindValue(qlonglong(e.stamp.size));
        query.addBindValue(qlonglong(e.stamp.mtimeNs));
        query.addBindValue(QString(kindName(e.info.kind)));
        query.addBindValue(q(e.info.family));
        query.addBindValue(QString(formatName(e.info.format)));
        query.addBindValue(q(e.info.reason));
        query.addBindValue(q(e.info.detail));
        query.addBindValue(q(e.source.path.string()));
        query.addBindValue(q(e.source.origin));
        query.addBindValue(q(e.hashes.sha256));
        query.addBindValue(q(e.hashes.addnetSha256));
        if (!query.exec()) {
            const std::string error = query.lastError().text().toStdString();
            db.rollback();
            throw Error("model index '" + m_file.string() + "': cannot store '" + e.path.string() +
                        "': " + error);
        }
    }
    if (!db.commit())
        throw Error("model index '" + m_file.string() + "': " + db.lastError().text().toStdString());
}

void LibraryIndex::remove(const std::vector<fs::path>& paths) {
    if (paths.empty()) return;
    QSqlDatabase db = QSqlDatabase::database(q(m_connection), false);
    db.transaction();
    QSqlQuery query(db);
    query.prepare("DELETE FROM models WHERE path = ?");
    for (const fs::path& path : paths) {
        query.addBindValue(q(path.string()));
        query.exec();
    }
    if (!db.commit())
        throw Error("model index '" + m_file.string() + "': " + db.lastError().text().toStdString());
}

bool LibraryIndex::setHashes(const fs::path& path, const FileStamp& stamp, const FileHashes& hashes) {
    QSqlQuery query(QSqlDatabase::database(q(m_connection), false));
    query.prepare(
        "UPDATE models SET sha256 = ?, addnet_sha256 = ? WHERE path = ? AND size = ? AND mtime_ns = ?");
    query.addBindValue(q(hashes.sha256));
    query.addBindValue(q(hashes.addnetSha256));
    query.addBindValue(q(path.string()));
    query.addBindValue(qlonglong(stamp.size));
    query.addBindValue(qlonglong(stamp.mtimeNs));
    if (!query.exec())
        throw Error("model index '" + m_file.string() + "': " + query.lastError().text().toStdString());
    return query.numRowsAffected() > 0;
}

std::vector<ModelFolder> LibraryIndex::roots() const {
    QSqlQuery query(QSqlDatabase::database(q(m_connection), false));
    if (!query.exec("SELECT path, origin FROM roots ORDER BY added"))
        throw Error("model index '" + m_file.string() + "': " + query.lastError().text().toStdString());
    std::vector<ModelFolder> out;
    while (query.next())
        out.push_back({s(query.value(0)), s(query.value(1))});
    return out;
}

void LibraryIndex::addRoot(const ModelFolder& root) {
    QSqlQuery query(QSqlDatabase::database(q(m_connection), false));
    query.prepare("INSERT OR IGNORE INTO roots (path, origin, added) VALUES (?, ?, "
                  "(SELECT COALESCE(MAX(added), 0) + 1 FROM roots))");
    query.addBindValue(q(root.path.string()));
    query.addBindValue(q(root.origin));
    if (!query.exec())
        throw Error("model index '" + m_file.string() + "': " + query.lastError().text().toStdString());
}

void LibraryIndex::removeRoot(const fs::path& path) {
    QSqlQuery query(QSqlDatabase::database(q(m_connection), false));
    query.prepare("DELETE FROM roots WHERE path = ?");
    query.addBindValue(q(path.string()));
    if (!query.exec())
        throw Error("model index '" + m_file.string() + "': " + query.lastError().text().toStdString());
}

fs::path defaultIndexFile() {
    const QString env = qEnvironmentVariable("GESSO_LIBRARY_INDEX");
    if (!env.isEmpty()) return env.toStdString();
    const QString data = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return (fs::path(data.toStdString()) / "gesso" / "model-library.sqlite");
}

} // namespace gesso::library
