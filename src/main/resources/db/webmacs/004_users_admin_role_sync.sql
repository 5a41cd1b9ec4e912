CREATE FUNCTION users_admin_role_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.admin IS NULL
            OR TG_OP = 'UPDATE' AND NEW.role IS DISTINCT FROM OLD.role THEN
        NEW.admin := NEW.role = 'admin';
    ELSIF NEW.admin THEN
        NEW.role := 'admin';
    ELSIF NEW.role = 'admin' THEN
        NEW.role := 'viewer';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER users_admin_role_sync BEFORE INSERT OR UPDATE OF admin, role ON users
    FOR EACH ROW EXECUTE FUNCTION users_admin_role_sync()
