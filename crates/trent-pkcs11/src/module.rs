//! The PKCS#11 modules this process has loaded, each initialized once.
//!
//! A module may be `C_Initialize`d only once per process, so every provider
//! on the same module (two tokens during a root-key rotation, or tests)
//! shares one [`Module`] from a process-wide registry keyed by the module's
//! canonical path.
//!
//! Some modules (SoftHSM2 among them) do not see a token again once it went
//! away until they are finalized and initialized anew. [`Module::reinitialize`]
//! does that (providers call it at most once a second each). Finalizing closes
//! every session of every provider on the module, and a new initialization
//! may hand out the same session and object handle numbers again, so:
//! every operation holds [`Module::state`] for reading while it runs, a
//! re-initialization holds it for writing, and each provider's session
//! remembers the [`State::generation`] it was opened in. A session from an
//! earlier generation is forgotten, never closed: closing its handle could
//! close another provider's new session.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, RwLockReadGuard};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CryptokiError, RvError};

use crate::error::{HsmError, Pkcs11Cause};

static MODULES: OnceLock<Mutex<HashMap<PathBuf, Arc<Module>>>> = OnceLock::new();

/// One loaded and initialized PKCS#11 module.
#[derive(Debug)]
pub(crate) struct Module {
    pkcs11: Pkcs11,
    state: RwLock<State>,
}

/// Which initialization of the module is current.
#[derive(Debug)]
pub(crate) struct State {
    /// Bumped at each re-initialization: sessions of an earlier one are dead.
    pub(crate) generation: u64,
}

impl Module {
    /// The module at `path`, loaded and initialized on first use.
    pub(crate) fn load(path: &Path) -> Result<Arc<Self>, HsmError> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let mut modules = MODULES
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(module) = modules.get(&key) {
            return Ok(Arc::clone(module));
        }
        let pkcs11 = Pkcs11::new(&key).map_err(|error| HsmError::ModuleNotLoadable {
            path: path.to_owned(),
            cause: Pkcs11Cause(error),
        })?;
        initialize(&pkcs11).map_err(|error| HsmError::ModuleNotInitialized {
            path: path.to_owned(),
            cause: Pkcs11Cause(error),
        })?;
        let module = Arc::new(Self {
            pkcs11,
            state: RwLock::new(State { generation: 0 }),
        });
        modules.insert(key, Arc::clone(&module));
        Ok(module)
    }

    /// The module's functions. Call them only while holding [`Module::state`].
    pub(crate) fn pkcs11(&self) -> &Pkcs11 {
        &self.pkcs11
    }

    /// The current initialization, held for reading: no re-initialization
    /// happens until the guard is dropped. Never take it twice in one thread.
    pub(crate) fn state(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Finalizes and initializes the module again, unless another caller did
    /// since generation `seen`. Waits for every operation on the module to
    /// end first. Must not be called while holding [`Module::state`].
    pub(crate) fn reinitialize(&self, seen: u64) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if state.generation != seen {
            return;
        }
        // Failures are left for the next call to meet: it then finds no
        // token, or CKR_CRYPTOKI_NOT_INITIALIZED, and reports the key unavailable.
        let _ = self.pkcs11.clone().finalize();
        let _ = initialize(&self.pkcs11);
        state.generation += 1;
    }
}

/// `C_Initialize` with OS locking. Already initialized in this process (by
/// code outside this registry) counts as done.
fn initialize(pkcs11: &Pkcs11) -> Result<(), CryptokiError> {
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CryptokiError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => Ok(()),
        Err(error) => Err(error),
    }
}
