CREATE (:SchemaMigration {version: $version, name: $name, checksum: $checksum, applied_at: $applied_at})
