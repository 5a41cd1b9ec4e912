package io.webmacs.migration.engine;

/** PostgreSQL's table lock modes, weakest first: a later mode conflicts with at least what an earlier one does. */
enum LockMode {
    ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    ACCESS_EXCLUSIVE;

    /** As PostgreSQL's documentation and pg_locks name it: {@code ACCESS EXCLUSIVE}. */
    String sqlName() {
        return name().replace('_', ' ');
    }

    /** Whether it conflicts with ROW EXCLUSIVE, the lock every INSERT, UPDATE and DELETE takes. */
    boolean blocksWrites() {
        return compareTo(SHARE) >= 0;
    }

    LockMode strongest(LockMode other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
