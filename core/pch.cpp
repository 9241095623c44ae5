// The translation unit that builds the torch precompiled header (core/pch.h) for every torch target.
