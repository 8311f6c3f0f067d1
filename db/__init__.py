"""The platform's database: SQLModel tables, async engine and sessions, seed data."""
