/* signpost: progressive enhancement (trail, search). */
