pub fn vtimezone_lines(tz: chrono_tz::Tz, _from: i32, _to: i32) -> Vec<String> {
    vec![
        "BEGIN:VTIMEZONE".into(),
        format!("TZID:{}", tz.name()),
        "END:VTIMEZONE".into(),
    ]
}
