-- First start of the postgres service: the registry, the warehouse and the Dagster instance.
CREATE DATABASE autonomos;
CREATE DATABASE warehouse;
CREATE DATABASE dagster;
\connect autonomos
CREATE EXTENSION IF NOT EXISTS vector;
