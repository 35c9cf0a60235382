-- PostgreSQL roles for Liandong: run as the postgres superuser, once:
--   sudo -u postgres psql -v app_password="'…'" -v owner_password="'…'" -f roles.sql
--
-- Two roles, least privilege:
--   liandong_owner  owns the schema; only `liandong db upgrade` (migrations) and
--                   `liandong backup`/`restore` log in as it.
--   liandong_app    what the running processes use: read/write rows, nothing else.
--                   It cannot create, alter or drop tables, so a compromised API
--                   process cannot change the schema; the append-only logs (case log,
--                   audit log) also refuse UPDATE/DELETE by trigger (migration 0002).
CREATE ROLE liandong_owner LOGIN PASSWORD :owner_password;
CREATE ROLE liandong_app LOGIN PASSWORD :app_password CONNECTION LIMIT 400;
CREATE DATABASE liandong OWNER liandong_owner ENCODING 'UTF8' TEMPLATE template0;
\connect liandong
REVOKE ALL ON DATABASE liandong FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE liandong TO liandong_app;
GRANT USAGE ON SCHEMA public TO liandong_app;
-- Tables and sequences the owner creates later (every migration) are granted too.
ALTER DEFAULT PRIVILEGES FOR ROLE liandong_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO liandong_app;
ALTER DEFAULT PRIVILEGES FOR ROLE liandong_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO liandong_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO liandong_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO liandong_app;
