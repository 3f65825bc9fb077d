"""Pipeline stages: each turns one typed record into the next."""
