-- The portal's schema as create_all made it before its migrations (revision 0001), sqlite.

-- Kept to test that such a database is brought to the current schema.

CREATE TABLE counters (
	unit_code VARCHAR(64) NOT NULL, 
	code VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_counters PRIMARY KEY (unit_code, code)
);

CREATE TABLE devices (
	id VARCHAR(64) NOT NULL, 
	secret VARCHAR(128) NOT NULL, 
	unit_code VARCHAR(64) NOT NULL, 
	counter VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	last_seen_at DATETIME, 
	CONSTRAINT pk_devices PRIMARY KEY (id)
);

CREATE TABLE forms (
	id INTEGER NOT NULL, 
	form_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	title TEXT NOT NULL, 
	questions INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	added_by VARCHAR(64) NOT NULL, 
	added_at DATETIME NOT NULL, 
	CONSTRAINT pk_forms PRIMARY KEY (id), 
	CONSTRAINT uq_forms_form_id UNIQUE (form_id, version)
);

CREATE TABLE settings (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	CONSTRAINT pk_settings PRIMARY KEY ("key")
);

CREATE TABLE answers (
	id INTEGER NOT NULL, 
	uuid VARCHAR(36) NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	received_from VARCHAR(64) NOT NULL, 
	unit_code VARCHAR(64) NOT NULL, 
	form_id VARCHAR(64) NOT NULL, 
	form_version INTEGER NOT NULL, 
	finished_at DATETIME NOT NULL, 
	received_at DATETIME NOT NULL, 
	batch_id VARCHAR(36) NOT NULL, 
	payload JSON NOT NULL, 
	CONSTRAINT pk_answers PRIMARY KEY (id), 
	CONSTRAINT uq_answers_uuid UNIQUE (uuid), 
	CONSTRAINT fk_answers_received_from_devices FOREIGN KEY(received_from) REFERENCES devices (id)
);

CREATE INDEX ix_answers_unit_code ON answers (unit_code);

CREATE TABLE audit_records (
	id INTEGER NOT NULL, 
	device_id VARCHAR(64) NOT NULL, 
	local_id BIGINT NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(64) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	detail VARCHAR(200) NOT NULL, 
	received_at DATETIME NOT NULL, 
	CONSTRAINT pk_audit_records PRIMARY KEY (id), 
	CONSTRAINT uq_audit_records_device_id UNIQUE (device_id, local_id), 
	CONSTRAINT fk_audit_records_device_id_devices FOREIGN KEY(device_id) REFERENCES devices (id)
);

CREATE TABLE enrolment_codes (
	code_hash VARCHAR(64) NOT NULL, 
	device_id VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	used_at DATETIME, 
	CONSTRAINT pk_enrolment_codes PRIMARY KEY (code_hash), 
	CONSTRAINT fk_enrolment_codes_device_id_devices FOREIGN KEY(device_id) REFERENCES devices (id)
);

CREATE INDEX ix_enrolment_codes_device_id ON enrolment_codes (device_id);

CREATE TABLE heartbeats (
	device_id VARCHAR(64) NOT NULL, 
	received_at DATETIME NOT NULL, 
	app_version VARCHAR(32) NOT NULL, 
	outbox_depth INTEGER NOT NULL, 
	oldest_undelivered VARCHAR(40), 
	free_disk_bytes BIGINT, 
	last_error TEXT, 
	clock_offset_s DOUBLE NOT NULL, 
	CONSTRAINT pk_heartbeats PRIMARY KEY (device_id), 
	CONSTRAINT fk_heartbeats_device_id_devices FOREIGN KEY(device_id) REFERENCES devices (id)
);

CREATE TABLE intake_events (
	id INTEGER NOT NULL, 
	device_id VARCHAR(64) NOT NULL, 
	uuid VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	reason TEXT NOT NULL, 
	unit_code VARCHAR(64) NOT NULL, 
	form_id VARCHAR(64) NOT NULL, 
	at DATETIME NOT NULL, 
	CONSTRAINT pk_intake_events PRIMARY KEY (id), 
	CONSTRAINT fk_intake_events_device_id_devices FOREIGN KEY(device_id) REFERENCES devices (id)
);

CREATE INDEX ix_intake_events_device_kind ON intake_events (device_id, kind);

CREATE TABLE set_aside_reports (
	device_id VARCHAR(64) NOT NULL, 
	count BIGINT NOT NULL, 
	reasons JSON NOT NULL, 
	CONSTRAINT pk_set_aside_reports PRIMARY KEY (device_id), 
	CONSTRAINT fk_set_aside_reports_device_id_devices FOREIGN KEY(device_id) REFERENCES devices (id)
);
