//! Appointment-book flat files (CSV) to a [`BalanceRequest`], and back.
//!
//! Five files, each with a header row: `sites.csv`, `travel.csv` (optional),
//! `clinicians.csv` (optional: derived from the slots when absent), `slots.csv` and
//! `requests.csv`. Columns are matched by name (any order, any case; unknown columns
//! are ignored). The columns and the accepted spellings are documented in docs/csv.md.
//!
//! Import is all or nothing: [`read_csv_files`] returns either a complete request or
//! every problem of every file, each naming its file, line and column (lines count
//! from 1, the header being line 1). Problems of meaning (unknown sites, overlapping slots, ...) are left to
//! the solver's validation; [`Origins`] turns its field paths (`slots[3].date`) back
//! into lines (`slots.csv line 5 (slots[3].date)`).
//!
//! [`theatre`] reads and writes the six theatre-planning files the same way, with the
//! same table reader, cell parsers, problems and origins.

mod cells;
pub mod changes;
mod files;
mod origins;
mod problem;
mod read;
mod table;
pub mod theatre;
mod write;

pub use origins::Origins;
pub use problem::{CsvErrors, CsvProblem};
pub use read::{CsvFiles, CsvImport, CsvOptions, read_csv_files};
pub use write::{write_bookings_csv, write_csv_dir};

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use clinicplan_solver::appointments::input::{ModeInput, UrgencyInput};

    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("clinicplan-csv-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn small(d: &Path) {
        write(d, "sites.csv", "\u{feff}id,name\nA,Alpha\nB,Beta\n");
        write(d, "travel.csv", "from_site_id,to_site_id,minutes\nA,B,12\n");
        write(
            d,
            "slots.csv",
            "id,clinician_id,site_id,role,date,start_time,duration_min,mode,extra\n\
             s1,k1,A,gp,2026-03-02,8:30,15,F2F,x\n\
             s2,k1,A,GP,2026-03-03,09:00:00,15,face to face,y\n\
             s3,k2,B,NURSE,2026-03-04,09:00,15,phone,z\n",
        );
        write(
            d,
            "requests.csv",
            "Modes,id,home_site_id,role,urgency,request_date,max_travel_min,preferred_clinician_id\n\
             F2F|PHONE,r1,A,GP,urgent,2026-02-27,20,k1\n\
             phone,r2,B,NURSE,Same Day,2026-03-05,,\n",
        );
    }

    #[test]
    fn reads_the_files_and_derives_clinicians() {
        let d = dir("ok");
        small(&d);
        let import = read_csv_files(&CsvFiles::in_dir(&d), &CsvOptions::default()).unwrap();
        let r = &import.request;
        assert_eq!(r.planning_start, "2026-03-02");
        assert_eq!(r.horizon_days, 4, "through the latest request date");
        assert_eq!(r.sites[0].id, "A");
        assert_eq!(r.clinicians.len(), 2);
        assert_eq!(r.clinicians[1].role, "NURSE");
        assert_eq!(r.slots[0].role, "GP");
        assert_eq!(r.slots[0].start_time, "08:30");
        assert_eq!(r.slots[1].start_time, "09:00");
        assert_eq!(r.slots[1].mode, ModeInput::FaceToFace);
        assert_eq!(
            r.requests[0].modes,
            vec![ModeInput::FaceToFace, ModeInput::Phone]
        );
        assert_eq!(r.requests[1].urgency, UrgencyInput::SameDay);
        assert_eq!(r.requests[1].max_travel_min, 0);
        assert_eq!(
            import.origins.locate("slots[2].date"),
            "slots.csv line 4 (slots[2].date)"
        );
        assert_eq!(
            import.origins.locate("clinicians[1].site_id"),
            "slots.csv line 4 (clinicians[1].site_id, the clinician's first slot)"
        );
        assert_eq!(
            import.origins.annotate("also requests[1] and slots[9]"),
            "also requests[1] (requests.csv line 3) and slots[9]"
        );
        // Written back and read again: the same request.
        let out = dir("roundtrip");
        write_csv_dir(r, &out).unwrap();
        let again = read_csv_files(&CsvFiles::in_dir(&out), &CsvOptions::default()).unwrap();
        assert_eq!(again.request, *r);
    }

    #[test]
    fn collects_every_problem_of_every_file() {
        let d = dir("bad");
        small(&d);
        write(
            &d,
            "requests.csv",
            "id,home_site_id,role,urgency,request_date,modes,max_travel_min\n\
             r1,A,GP,SOON,2026-02-27,F2F,ten\n\
             r2,A,GP,URGENT,27/02/2026,POST,10\n\
             r3,A,GP\n",
        );
        write(&d, "travel.csv", "from_site_id,minutes\nA,3\n");
        write(
            &d,
            "slots.csv",
            "id,clinician_id,site_id,role,date,start_time,duration_min,mode\n\
             s1,k1,A,GP,2026-03-02,08:30,15,F2F\n\
             s2,k1,A,NURSE,2026-03-03,09:00,15,F2F\n",
        );
        let err = read_csv_files(&CsvFiles::in_dir(&d), &CsvOptions::default()).unwrap_err();
        let text: Vec<String> = err.0.iter().map(|p| p.to_string()).collect();
        let want = [
            "travel.csv line 1, column to_site_id: the required column 'to_site_id' is missing",
            "slots.csv line 3, column role: 'NURSE', but clinician 'k1' is a GP on line 2",
            "requests.csv line 2, column urgency: 'SOON' is not an urgency",
            "requests.csv line 2, column max_travel_min: 'ten' is not a whole number of minutes",
            "requests.csv line 3, column request_date: '27/02/2026' is not a date",
            "requests.csv line 3, column modes: 'POST' is not a mode",
            "requests.csv line 4: 3 values, but the header names 7 columns",
        ];
        for w in want {
            assert!(
                text.iter().any(|t| t.starts_with(w)),
                "{w} not in {text:#?}"
            );
        }
        assert_eq!(text.len(), want.len(), "{text:#?}");
    }
}
