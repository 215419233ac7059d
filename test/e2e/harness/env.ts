// Imported first by the harness: Ryuk (testcontainers' reaper image) cannot be pulled here, so it is
// off and the harness removes its own containers (labels + global teardown sweep).
process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
export {};
