//! Service templates, kept like settings: in the database, every change
//! audited. The built-ins live in `clinical` and are never stored, so a
//! database cannot lose them and an update can improve them.

use clinical::Template;
use rusqlite::params;
use serde_json::json;

use crate::audit::Action;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::time::Timestamp;

impl Store {
    /// The built-in templates, then the service's own by name.
    pub fn templates(&self) -> Result<Vec<Template>> {
        let rows = self.text_pairs("SELECT id, json FROM templates")?;
        let mut own = Vec::with_capacity(rows.len());
        for (id, text) in rows {
            // A template a newer Epicrisis wrote (a section this one does
            // not know) is named, not hidden.
            let template = Template::from_json(text.as_bytes()).map_err(|e| Error::Template {
                id: id.clone(),
                reason: e.to_string(),
            })?;
            own.push(template);
        }
        own.sort_by_key(|t| t.nombre.to_lowercase());
        let mut all: Vec<Template> = Template::builtins().into();
        all.extend(own);
        Ok(all)
    }

    /// The template with this id, built-in or stored.
    pub fn template(&self, id: &str) -> Result<Template> {
        self.templates()?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Error::NoSuchTemplate(id.to_string()))
    }

    /// Saves a template (new, changed or imported), replacing the one with
    /// its id; audited with its id and name. Built-ins cannot be replaced:
    /// copy one under another id.
    pub fn save_template(&mut self, template: &Template) -> Result<()> {
        if Template::is_builtin_id(&template.id) {
            return Err(Error::BuiltinTemplate(template.id.clone()));
        }
        template.validate().map_err(|e| Error::Template {
            id: template.id.clone(),
            reason: e.to_string(),
        })?;
        let change = self.change()?;
        let existed = change.sql(|tx| {
            let existed: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM templates WHERE id = ?1)")?
                .query_row([&template.id], |r| r.get(0))?;
            tx.prepare_cached(
                "INSERT INTO templates (id, json, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
            )?
            .execute(params![
                template.id,
                template.to_json(),
                Timestamp::now().millis()
            ])?;
            Ok(existed)
        })?;
        change.commit(
            Action::TemplateSaved,
            None,
            None,
            json!({ "id": template.id, "nombre": template.nombre, "reemplaza": existed }),
        )
    }

    /// Deletes a service's template; the versions written with it keep its
    /// id. Built-ins cannot be deleted.
    pub fn delete_template(&mut self, id: &str) -> Result<()> {
        if Template::is_builtin_id(id) {
            return Err(Error::BuiltinTemplate(id.to_string()));
        }
        let change = self.change()?;
        let deleted = change.sql(|tx| tx.execute("DELETE FROM templates WHERE id = ?1", [id]))?;
        if deleted == 0 {
            return Err(Error::NoSuchTemplate(id.to_string()));
        }
        change.commit(Action::TemplateDeleted, None, None, json!({ "id": id }))
    }

    /// The template for an episode of `service`: the first stored one that
    /// serves it, if any.
    pub fn template_for_service(&self, service: Option<&str>) -> Result<Option<Template>> {
        let all = self.templates()?;
        Ok(clinical::template::for_service(&all, service).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pediatria() -> Template {
        Template {
            id: "pediatria".into(),
            nombre: "Pediatría".into(),
            servicios: vec!["Pediatría".into()],
            ..Template::general()
        }
    }

    #[test]
    fn templates_are_saved_audited_and_found_by_service() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = crate::store::testing::open_with_draft(&dir.path().join("t.sqlite3"));
        assert_eq!(store.templates().unwrap().len(), 2, "the built-ins");
        store.save_template(&pediatria()).unwrap();
        let mut changed = pediatria();
        changed.instrucciones = "Peso en kilos.".into();
        store.save_template(&changed).unwrap();
        assert_eq!(store.template("pediatria").unwrap(), changed);
        assert_eq!(
            store
                .template_for_service(Some("PEDIATRIA"))
                .unwrap()
                .map(|t| t.id),
            Some("pediatria".into())
        );
        assert_eq!(store.template_for_service(Some("Cirugía")).unwrap(), None);

        assert!(matches!(
            store.save_template(&Template::general()),
            Err(Error::BuiltinTemplate(_))
        ));
        store.delete_template("pediatria").unwrap();
        assert!(matches!(
            store.template("pediatria"),
            Err(Error::NoSuchTemplate(_))
        ));
        let actions: Vec<String> = store
            .conn
            .prepare("SELECT action FROM audit WHERE action LIKE 'template%' ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            actions,
            ["template_saved", "template_saved", "template_deleted"]
        );
    }

    #[test]
    fn a_stored_template_this_build_cannot_read_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = crate::store::testing::open_with_draft(&dir.path().join("t.sqlite3"));
        store
            .conn
            .execute(
                "INSERT INTO templates (id, json, updated_at) VALUES ('uci', '{\"id\":\"uci\"}', 0)",
                [],
            )
            .unwrap();
        let error = store.templates().unwrap_err();
        assert!(error.to_string().contains("«uci»"), "{error}");
    }
}
